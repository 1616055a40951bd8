// The reader of a named pipe, a process of its own: it opens the FIFO, which does not wait for
// a writer (from then on a writer's open succeeds), and takes each message, slowly: half a
// second a message. Run: `node --import tsx examples/04-named-pipe-reader.ts '<address JSON>'`

import { setTimeout as sleep } from "node:timers/promises";
import { childNarrator, preview } from "@ipc-atlas/core";
import { type NamedPipeAddress, openNamedPipeConsumer } from "../src/pipes-named.ts";

const { sayAs: say } = childNarrator(`reader pid ${process.pid}`);
const consumer = await openNamedPipeConsumer(JSON.parse(process.argv[2] ?? "") as NamedPipeAddress);
say("OPENED", "the FIFO is open for reading");

// Taking a message writes its ack byte into `acks`, which resolves the writer's send. The
// loop ends at end-of-file: the writer closed its end and every frame was read.
for await (const message of consumer) {
  say("RECEIVED", preview(message));
  await sleep(500);
}
say("END", "end of file: the writer closed the FIFO");
