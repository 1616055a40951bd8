/**
 * 02-workers-consumer: runs on a worker thread and reads every record of the ring it was
 * posted, until the producer closes. Records are copied out in batches; each batch hands its
 * space back to the producer at once.
 */

import { workerData } from "node:worker_threads";
import { childNarrator, preview } from "@ipc-atlas/core";
import { type WorkersRingAddress, workersConsumer } from "../src/index.ts";

const narrator = childNarrator("consumer thread");
const consumer = workersConsumer(workerData as WorkersRingAddress);

for await (const message of consumer) {
  narrator.sayAs("RECEIVED", preview(message));
}
narrator.sayAs("END", "the ring is closed and empty: iteration finished");
