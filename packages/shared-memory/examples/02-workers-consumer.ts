// 02-workers-consumer: a worker thread that reads every record of the ring until the producer
// closes it.

import { workerData } from "node:worker_threads";
import { preview } from "@ipc-atlas/core";
import { narrate } from "../src/demo-support.ts";
import { type WorkersRingAddress, workersConsumer } from "../src/index.ts";

const say = narrate("consumer thread");

// The same SharedArrayBuffer, posted to this thread too. Each step of the iteration copies every
// waiting record out in one batch and moves `tail` once, which hands the space back and wakes
// the producer only if its waiting flag is up. With nothing to read, the consumer sleeps in
// `Atomics.waitAsync` on a flag of its own; the iteration ends once the ring is closed and empty.
const consumer = workersConsumer(workerData as WorkersRingAddress);
for await (const message of consumer) say("RECEIVED", preview(message));
say("END", "the ring is closed and empty: iteration finished");
