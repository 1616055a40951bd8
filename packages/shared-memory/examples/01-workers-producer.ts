// 01-workers-producer: a worker thread that sends four orders into a ring of 64 bytes that
// nobody reads yet. Two fit; the third waits until the consumer thread frees space.

import { workerData } from "node:worker_threads";
import { narrate, ticksWhile } from "../src/demo-support.ts";
import { type WorkersRingAddress, workersProducer } from "../src/index.ts";

const say = narrate("producer thread");

// `workerData` is the ring's SharedArrayBuffer. Posting it to a worker shares the memory
// instead of cloning it: this thread and the consumer's read and write the same bytes.
const producer = workersProducer(workerData as WorkersRingAddress);

// `trySend` copies the record (a 4-byte length, the bytes, padding to 8) into the ring and moves
// `head` past it with `Atomics.store`, so the consumer never sees `head` before the bytes; it
// says false when the record does not fit. Then `send` raises the producer's waiting flag and
// sleeps in `Atomics.waitAsync`: the thread's event loop keeps running (a timer counts its
// ticks) until the consumer moves `tail` and notifies it. `close` raises the `closed` flag.
for (let i = 1; i <= 4; i++) {
  const order = Buffer.from(`order #${i}: espresso`);
  if (producer.trySend(order)) {
    say("SENT", `"order #${i}: espresso"`);
    continue;
  }
  say("WAIT", `order #${i}: the ring is full (${producer.bytesInRing} of 64 bytes used)`);
  const ticks = await ticksWhile(producer.send(order));
  say("RESUMED", `order #${i} sent; a 10 ms timer ticked ${ticks} times while send() waited`);
}
await producer.close();
say("CLOSE", "raised the ring's closed flag");
