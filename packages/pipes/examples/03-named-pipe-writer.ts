/**
 * The writer of the pipes-named demo, a separate process. Opens the data FIFO for writing
 * (waiting for a reader, as the kernel requires), sends each word, and narrates when each send
 * resolves: when the reader's ack for it came back on the ack FIFO.
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

// 2. Send each word: the frame goes into the data FIFO at once, and the send resolves when the
//    reader's ack for it comes back on the ack FIFO, that is when the reader has taken it.
let n = 0;
for (const word of words) {
  n++;
  const message = Buffer.from(word);
  narrator.sayAs(
    "SEND",
    `#${n} ${preview(message)}: the frame goes into the data FIFO, the send waits for its ack`,
  );
  const sentAt = performance.now();
  try {
    await producer.send(message);
    narrator.sayAs(
      "SENT",
      `#${n} acked on the ack FIFO: the reader took it (${Math.round(performance.now() - sentAt)} ms)`,
    );
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
