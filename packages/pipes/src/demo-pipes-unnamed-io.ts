/**
 * The narrated demo of pipes-unnamed-io: gzip on one end of the pipe's stream pair and gunzip on
 * the other, then framed messages through the same pair as a Producer/Consumer.
 */

import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip, constants as zlib } from "node:zlib";
import type { Narrator } from "@ipc-atlas/core";
import { sendThenTake } from "./demo-pipes-unnamed.ts";
import { openPipeEndpoint } from "./pipes-unnamed.ts";
import { createStreamPipe, pipesUnnamedIo } from "./pipes-unnamed-io.ts";

export async function demo(narrator: Narrator): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  narrator.note("Go composes io.Writer and io.Reader: gzip.NewWriter(pw) on one end of an io.Pipe,");
  narrator.note(
    "gzip.NewReader(pr) on the other. Here: Readable → gzip → pipe → gunzip → sink, two pipelines.",
  );
  const { readable, writable } = createStreamPipe();
  const lines = ["It was the best of times,", "it was the worst of times,", "it was the age of pipes."];
  let compressed = 0;
  let received = 0;
  // The writing side: text lines, gzip, then the pipe's Writable.
  const source = Readable.from(
    (async function* () {
      for (const line of lines) {
        narrator.say("writer", "SEND", JSON.stringify(line));
        yield `${line}\n`;
        await sleep(150);
      }
    })(),
  );
  // The reading side: the pipe's Readable, a tap that shows the compressed bytes, gunzip, a sink.
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      compressed += chunk.byteLength;
      narrator.say("reader", "READ", `${chunk.byteLength} gzip bytes from the pipe (${compressed} so far)`);
      callback(null, chunk);
    },
  });
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n")) {
        received++;
        narrator.say("reader", "RECEIVED", JSON.stringify(text.slice(0, i)));
        text = text.slice(i + 1);
      }
      callback();
    },
  });
  await Promise.all([
    // Z_SYNC_FLUSH: gzip emits each line at once, so the demo shows bytes crossing as they are written.
    pipeline(source, createGzip({ flush: zlib.Z_SYNC_FLUSH }), writable).then(() =>
      narrator.say("writer", "CLOSE", "gzip trailer consumed by the reader, pipe closed"),
    ),
    pipeline(readable, tap, createGunzip(), sink),
  ]);
  narrator.say("reader", "END", `${received} lines from ${compressed} compressed bytes`);

  narrator.note("The variant: framed messages through the same Writable/Readable pair.");
  const endpoint = openPipeEndpoint();
  const consumer = await pipesUnnamedIo.consumer(endpoint.address);
  const producer = await pipesUnnamedIo.producer(endpoint.address);
  const iterator = consumer[Symbol.asyncIterator]();
  try {
    await sendThenTake(
      narrator,
      producer,
      iterator,
      Buffer.from("hello, stream"),
      "the consumer has taken it",
    );
    await producer.close();
    if ((await iterator.next()).done) narrator.say("consumer", "END", "iteration finished after close()");
  } finally {
    await endpoint.close();
  }
}
