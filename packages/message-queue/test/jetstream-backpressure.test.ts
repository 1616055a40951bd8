/**
 * Backpressure and ordering on the producer side: a bounded queue (capacity) makes sends wait
 * while it is full, and sends made without awaiting each other pipeline up to the window yet
 * reach the consumer in call order.
 */

import { afterEach, expect, it } from "vitest";
import { JetStreamQueue } from "../src/jetstream/index.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const PENDING = Symbol("pending");
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<typeof PENDING>((r) => (timer = setTimeout(() => r(PENDING), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

it("a queue with capacity 10 makes the 11th send wait until a consumer acks one", async () => {
  const queue = await JetStreamQueue.open({ capacity: 10 });
  cleanups.push(() => queue.close());
  const producer = await JetStreamQueue.producer(queue.address);
  for (let i = 0; i < 10; i++) await producer.send(Buffer.from(`#${i}`));
  const eleventh = producer.send(Buffer.from("#10"));
  expect(await within(eleventh, 500)).toBe(PENDING);
  expect((await queue.info()).messages).toBe(10);

  const consumer = await JetStreamQueue.consumer(queue.address);
  cleanups.push(() => consumer.close());
  const delivery = await consumer.receive();
  expect(Buffer.from(delivery!.data).toString()).toBe("#0");
  await delivery!.ack();
  expect(await within(eleventh, 10_000)).not.toBe(PENDING);

  // The END marker waits for room like any message; the consumer makes that room.
  const closing = producer.close();
  const rest: string[] = [];
  for await (const message of consumer) rest.push(Buffer.from(message).toString());
  await closing;
  expect(rest).toEqual(Array.from({ length: 10 }, (_, i) => `#${i + 1}`));
});

it("10,000 sends made without awaiting each other arrive in call order, pipelined within the window", async () => {
  const n = 10_000;
  const queue = await JetStreamQueue.open();
  cleanups.push(() => queue.close());
  const producer = await JetStreamQueue.producer(queue.address, { window: 128 });
  cleanups.push(() => producer.close());
  const consumer = await JetStreamQueue.consumer(queue.address);
  cleanups.push(() => consumer.close());
  const sending = Promise.all(
    Array.from({ length: n }, (_, seq) => {
      const message = Buffer.alloc(64);
      message.writeUInt32BE(seq, 0);
      return producer.send(message);
    }),
  ).then(() => producer.close());
  let expected = 0;
  for await (const message of consumer) {
    expect(Buffer.from(message).readUInt32BE(0)).toBe(expected);
    expected++;
  }
  await sending;
  expect(expected).toBe(n);
});
