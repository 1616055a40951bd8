/**
 * The writer of the pipes-named demo, a separate process. Opens the FIFO for writing (waiting
 * for a reader, as the kernel requires), sends each word, and narrates when each send resolves:
 * when the reader's ack for it came back.
 *
 *   node --import tsx examples/01-named-pipe-writer.ts '<address JSON>' <pause ms> [--wait-for-go] word...
 *
 * With --wait-for-go it starts only when the parent sends { go: true } (see the reader).
 */

import { setTimeout as sleep } from "node:timers/promises";
import { childNarrator, IpcError, preview, waitForGo } from "@ipc-atlas/core";
import { connectNamedPipeProducer, type NamedPipeAddress } from "../src/pipes-named.ts";

const args = process.argv.slice(2);
const [addressJson, pauseArg, ...words] = args.filter((a) => a !== "--wait-for-go");
const address = JSON.parse(addressJson ?? "null") as NamedPipeAddress;
const pauseMs = Number(pauseArg ?? 0);
const narrator = childNarrator(`writer pid ${process.pid}`);

if (args.includes("--wait-for-go")) await waitForGo();

// 1. Open for writing: open(O_WRONLY|O_NONBLOCK) fails with ENXIO until a reader has the FIFO open.
narrator.sayAs("OPEN", "opening the FIFO for writing");
const started = performance.now();
const producer = await connectNamedPipeProducer(address, {
  onWaitForReader: () => narrator.sayAs("WAIT", "ENXIO: no process has the FIFO open for reading; retrying"),
});
narrator.sayAs("OPENED", `a reader is there (after ${Math.round(performance.now() - started)} ms)`);

// 2. Send each word; a send resolves when the reader has taken that message.
let n = 0;
for (const word of words) {
  n++;
  const message = Buffer.from(word);
  narrator.sayAs("SEND", `#${n} ${preview(message)}`);
  const sentAt = performance.now();
  try {
    await producer.send(message);
    narrator.sayAs("SENT", `#${n} taken by the reader (${Math.round(performance.now() - sentAt)} ms)`);
  } catch (error) {
    const e = error as IpcError;
    narrator.sayAs("ERROR", `#${n} ${e.name} (${e instanceof IpcError ? e.code : "?"}): ${e.message}`);
    narrator.sayAs("ALIVE", "no SIGPIPE crash: the error is an ordinary rejected promise");
    process.exit(0);
  }
  if (pauseMs > 0) await sleep(pauseMs);
}

// 3. Close: the reader's iteration ends after the last message.
await producer.close();
narrator.sayAs("CLOSE", "the reader has read to the end");
