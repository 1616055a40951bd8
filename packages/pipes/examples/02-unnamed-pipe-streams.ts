// The same unnamed pipe as a Node Writable and Readable, so that it fits in `stream.pipeline`
// the way Go's pipe fits between an `io.Writer` and an `io.Reader`. Here text lines go through
// gzip into the pipe, and come out of it through gunzip.
// Run: `node --import tsx examples/02-unnamed-pipe-streams.ts`

import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { constants, createGunzip, createGzip } from "node:zlib";
import { childNarrator, preview } from "@ipc-atlas/core";
import { openPipeEndpoint } from "../src/pipes-unnamed.ts";
import { createStreamPipe, pipesUnnamedIo } from "../src/pipes-unnamed-io.ts";

const { say } = childNarrator("example");

// One pipe, two stream ends: a chunk written into `writable` is done only once `readable` has
// taken it out of the pipe. The writing side is three lines, gzip, the pipe; Z_SYNC_FLUSH
// makes gzip emit each line as it comes, not at the end, so each crosses the pipe at once.
const { readable, writable } = createStreamPipe();
const lines = ["It was the best of times,", "it was the worst of times,", "it was the age of pipes."];
async function* text() {
  for (const line of lines) {
    say("writer", "SEND", JSON.stringify(line));
    yield `${line}\n`;
    await sleep(150);
  }
}
const writing = pipeline(Readable.from(text()), createGzip({ flush: constants.Z_SYNC_FLUSH }), writable);

// The reading side: the pipe, a look at the gzip bytes that cross it, gunzip, the lines.
const look = new Transform({
  transform(chunk: Buffer, _encoding, done) {
    say("reader", "READ", `${chunk.byteLength} gzip bytes from the pipe`);
    done(null, chunk);
  },
});
await Promise.all([
  writing,
  pipeline(readable, look, createGunzip(), async (unzipped: AsyncIterable<Buffer>) => {
    for await (const chunk of unzipped)
      for (const line of chunk.toString().split("\n")) if (line) say("reader", "RECEIVED", `"${line}"`);
  }),
]);
say("reader", "END", "the writer's end() closed the pipe after gzip's trailer");

// The variant frames messages over such a pair. Its Readable reads nothing ahead (highWaterMark
// 0), so `send` still waits until the consumer takes the message, here 200 ms late.
const endpoint = openPipeEndpoint();
const consumer = await pipesUnnamedIo.consumer(endpoint.address);
const producer = await pipesUnnamedIo.producer(endpoint.address);
say("producer", "SEND", '"hello, stream"; send waits for the consumer');
const sent = producer.send(Buffer.from("hello, stream"));
await sleep(200);
const { value } = await consumer[Symbol.asyncIterator]().next();
say("consumer", "RECEIVED", preview(value as Uint8Array));
await sent;
say("producer", "SENT", "resolved, now that the consumer took it");
await producer.close();
await endpoint.close();
