// An unnamed pipe joins a writer and a reader inside one process, like Go's `io.Pipe`. There
// is no buffer between them: a write hands its bytes straight to reads, and resolves only
// once the reader has taken every one of them. Run: `node --import tsx examples/01-unnamed-pipe.ts`

import { setImmediate, setTimeout as sleep } from "node:timers/promises";
import { childNarrator, preview } from "@ipc-atlas/core";
import { createPipe } from "../src/pipe.ts";
import { openPipeEndpoint, pipesUnnamed } from "../src/pipes-unnamed.ts";

const { say } = childNarrator("example");

// `r, w := io.Pipe()`: two ends of one stream of bytes.
const { reader, writer } = createPipe();

// The writer writes 33 bytes and goes on; its promise is the part that waits.
const text = Buffer.from("some io.Reader stream to be read\n");
say("writer", "WRITE", `${text.byteLength} bytes; the write resolves when the reader has taken them all`);
const written = writer.write(text).then(async () => {
  await setImmediate(); // print after the reader's line for the read that took the last byte
  say("writer", "WROTE", "resolved: the last byte was read; close, and the reader gets EOF");
  writer.close();
});

// The reader comes 300 ms later and reads into an 8-byte buffer: five reads take the one write.
await sleep(300);
const buffer = new Uint8Array(8);
for (let n = await reader.read(buffer); n !== null; n = await reader.read(buffer)) {
  say("reader", "READ", JSON.stringify(Buffer.from(buffer.subarray(0, n)).toString()));
  await sleep(100);
}
say("reader", "EOF", "read resolved null: the writer closed after its last byte was read");
await written;

// The variant sends messages over such a pipe: each is framed (a 4-byte length, then the
// bytes), and `send` resolves when the consumer has read the whole frame, here 200 ms late.
const endpoint = openPipeEndpoint();
const consumer = await pipesUnnamed.consumer(endpoint.address);
const producer = await pipesUnnamed.producer(endpoint.address);
const started = performance.now();
say("producer", "SEND", '"hello"; send waits for the consumer');
const sent = producer.send(Buffer.from("hello"));
await sleep(200);
const { value } = await consumer[Symbol.asyncIterator]().next();
say("consumer", "RECEIVED", preview(value as Uint8Array));
await sent;
say(
  "producer",
  "SENT",
  `resolved after ${Math.round(performance.now() - started)} ms, once the consumer took it`,
);
await producer.close();
await endpoint.close();
