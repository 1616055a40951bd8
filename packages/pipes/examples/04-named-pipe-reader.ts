/**
 * The reader of the pipes-named demo, a separate process. Opens the FIFO for reading (which
 * succeeds at once, writer or not) and takes messages, pausing before it asks for the next one.
 *
 *   node --import tsx examples/02-named-pipe-reader.ts '<address JSON>' <pause ms> [--wait-for-go]
 *
 * With --wait-for-go it opens the FIFO only when the parent sends { go: true }, so the demo
 * can start it early (a Node process takes a while to start) and still choose the moment.
 */

import { setTimeout as sleep } from "node:timers/promises";
import { childNarrator, preview, waitForGo } from "@ipc-atlas/core";
import { type NamedPipeAddress, openNamedPipeConsumer } from "../src/pipes-named.ts";

const args = process.argv.slice(2);
const [addressJson, pauseArg] = args.filter((a) => a !== "--wait-for-go");
const address = JSON.parse(addressJson ?? "null") as NamedPipeAddress;
const pauseMs = Number(pauseArg ?? 0);
const narrator = childNarrator(`reader pid ${process.pid}`);

if (args.includes("--wait-for-go")) await waitForGo();

// 1. Open for reading: non-blocking, so it returns at once; from now on a writer can open.
const consumer = await openNamedPipeConsumer(address);
narrator.sayAs("OPENED", "the FIFO is open for reading");

// 2. Take messages; taking one writes its ack byte on the ack FIFO, which resolves the writer's send.
let n = 0;
for await (const message of consumer) {
  n++;
  narrator.sayAs("RECEIVED", `#${n} ${preview(message)} (its ack goes back on the ack FIFO)`);
  if (pauseMs > 0) await sleep(pauseMs);
}

// 3. The writer closed: end of file after the last message.
narrator.sayAs("END", `end of file after ${n} message${n === 1 ? "" : "s"}`);
