/**
 * 01-workers-producer: runs on a worker thread (started by the demo, or by anything that posts
 * it a ring as workerData) and sends eight orders into the ring. When the ring is full, the
 * send waits without blocking the thread: a 10 ms timer keeps ticking meanwhile.
 */

import { workerData } from "node:worker_threads";
import { childNarrator } from "@ipc-atlas/core";
import { type WorkersRingAddress, workersProducer } from "../src/index.ts";

const narrator = childNarrator("producer thread");
const producer = workersProducer(workerData as WorkersRingAddress);

for (let i = 1; i <= 8; i++) {
  const order = Buffer.from(`order #${i}: espresso`);
  // trySend says whether the ring has room now; send() would simply wait.
  if (producer.trySend(order)) {
    narrator.sayAs("SENT", `"order #${i}: espresso"`);
    continue;
  }
  narrator.sayAs("WAIT", `order #${i}: the ring is full (${producer.bytesInRing} bytes); send() waits`);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  await producer.send(order);
  clearInterval(timer);
  narrator.sayAs("RESUMED", `"order #${i}: espresso" sent once the consumer freed space`);
  narrator.sayAs("TICKS", `this thread's 10 ms timer ticked ${ticks} times while the send waited`);
}
await producer.close();
narrator.sayAs("CLOSE", "the producer set the ring's closed flag; the consumer ends after the last record");
