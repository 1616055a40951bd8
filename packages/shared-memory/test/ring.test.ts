/**
 * The ring itself, both halves on this thread over a SharedArrayBuffer: records of every size
 * at every position near the end of the data, indices that wrap past 2^32, a full ring that
 * waits and resumes, a record larger than the ring, one producer per ring, and an event loop
 * that keeps running while a side waits.
 */

import { FrameError, IpcError, MessageTooLargeError } from "@ipc-atlas/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  HEADER_BYTES,
  maxPayload,
  openWorkersRing,
  recordBytes,
  type WorkersRingAddress,
  workersConsumer,
  workersProducer,
} from "../src/index.ts";
import { expectEventLoopRunsWhileWaiting } from "./fixtures/event-loop.ts";

const INDEX = { head: 16, tail: 32 };

/** A ring whose head and tail both start at `start` (as if `start` bytes had gone through). */
function ringAt(bytes: number, start: number): WorkersRingAddress {
  const address = openWorkersRing(bytes);
  const words = new Int32Array(address.buffer, 0, HEADER_BYTES / 4);
  words[INDEX.head] = start | 0;
  words[INDEX.tail] = start | 0;
  return address;
}

function payload(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (seed * 31 + i * 7) & 0xff);
}

describe("the ring", () => {
  it("carries a record of every size written at every 8-byte position before the end of the data", async () => {
    const bytes = 128;
    const limit = maxPayload(bytes);
    for (let start = 0; start < bytes; start += 8) {
      const address = ringAt(bytes, start);
      const producer = workersProducer(address);
      const consumer = workersConsumer(address)[Symbol.asyncIterator]();
      for (let size = 0; size <= limit; size++) {
        const sent = payload(size, start + size);
        expect(producer.trySend(sent), `size ${size} after start ${start}`).toBe(true);
        const received = await consumer.next();
        expect(Buffer.from(received.value!).equals(Buffer.from(sent)), `size ${size} at start ${start}`).toBe(
          true,
        );
      }
      await producer.close();
      expect((await consumer.next()).done).toBe(true);
    }
  });

  it("keeps every record whole and in order for any ring size, start and sizes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 6, max: 11 }),
        // Near 2^32 too: the indices wrap around there while positions stay consistent.
        fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 2 ** 32 - 4096, max: 2 ** 32 - 1 })),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }),
        async (log2, rawStart, fractions) => {
          const bytes = 2 ** log2;
          const address = ringAt(bytes, rawStart & ~7);
          const producer = workersProducer(address);
          const consumer = workersConsumer(address)[Symbol.asyncIterator]();
          const sizes = fractions.map((f) => Math.floor(f * maxPayload(bytes)));
          const expected: Uint8Array[] = [];
          const received: Uint8Array[] = [];
          for (const [i, size] of sizes.entries()) {
            const message = payload(size, i);
            if (!producer.trySend(message)) {
              // Full: read everything sent so far, then a record of at most half the ring fits.
              while (received.length < expected.length) received.push((await consumer.next()).value!);
              expect(producer.trySend(message)).toBe(true);
            }
            expected.push(message);
          }
          await producer.close();
          for (let r = await consumer.next(); !r.done; r = await consumer.next()) received.push(r.value);
          expect(received.map((m) => Buffer.from(m).toString("hex"))).toEqual(
            expected.map((m) => Buffer.from(m).toString("hex")),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("makes a send wait while the ring is full and resumes it when the consumer frees space", async () => {
    const address = openWorkersRing(256);
    const producer = workersProducer(address);
    const record = new Uint8Array(60); // 64 bytes a record: four fill the ring
    for (let i = 0; i < 4; i++) await producer.send(record);
    let resolved = false;
    const fifth = producer.send(Uint8Array.of(5)).then(() => {
      resolved = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resolved, "the fifth send resolved while the ring was full").toBe(false);
    expect(producer.trySend(record), "trySend must not overtake a waiting send").toBe(false);
    const consumer = workersConsumer(address)[Symbol.asyncIterator]();
    await consumer.next();
    await fifth;
    expect(resolved).toBe(true);
    for (let i = 0; i < 3; i++) expect((await consumer.next()).value).toHaveLength(60);
    expect(Array.from((await consumer.next()).value!)).toEqual([5]);
  });

  it("refuses a record larger than half the ring with MessageTooLargeError, and stays usable", async () => {
    const address = openWorkersRing(256);
    const producer = workersProducer(address);
    const limit = maxPayload(256);
    expect(recordBytes(limit)).toBe(128);
    await expect(producer.send(new Uint8Array(limit + 1))).rejects.toBeInstanceOf(MessageTooLargeError);
    expect(() => producer.trySend(new Uint8Array(1000))).toThrow(MessageTooLargeError);
    await producer.send(new Uint8Array(limit));
    await producer.close();
    const received = [];
    for await (const message of workersConsumer(address)) received.push(message.byteLength);
    expect(received).toEqual([limit]);
  });

  it("refuses a ring size that is not a power of two, a second producer and a foreign buffer", () => {
    expect(() => openWorkersRing(100)).toThrow(/power of two/);
    const address = openWorkersRing(64);
    workersProducer(address);
    expect(() => workersProducer(address)).toThrow(/already has a producer/);
    expect(() => workersConsumer({ buffer: new SharedArrayBuffer(1024) })).toThrow(IpcError);
  });

  it("refuses a record whose length does not fit what was published with a FrameError", async () => {
    const address = openWorkersRing(256);
    const words = new Int32Array(address.buffer);
    const consumer = workersConsumer(address)[Symbol.asyncIterator]();
    // A producer that lies: 16 bytes published, a record claiming 100.
    words[HEADER_BYTES / 4] = 100;
    Atomics.store(words, INDEX.head, 16);
    await expect(consumer.next()).rejects.toBeInstanceOf(FrameError);
  });

  it("keeps the event loop running while the consumer waits for a record and the producer for room", async () => {
    const address = openWorkersRing(64);
    await expectEventLoopRunsWhileWaiting(
      workersProducer(address),
      workersConsumer(address)[Symbol.asyncIterator](),
    );
  });
});
