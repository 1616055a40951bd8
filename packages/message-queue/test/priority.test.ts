/**
 * Priority order, as the kernel keeps it: highest priority first, FIFO within a priority.
 * A property test (fast-check) sends random batches with random priorities into a real queue
 * and checks the order they come out in against a stable sort.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MessageQueue, MQ_PRIO_MAX } from "../src/index.ts";
import { trackedQueues } from "./helpers.ts";

const queues = trackedQueues("mq-prio");

describe("priority order", () => {
  it("highest priority first, FIFO within a priority (property test, 200 random batches)", async () => {
    const queue = await MessageQueue.open(queues.name(), { create: true, maxMessages: 10, messageSize: 16 });
    try {
      // Few distinct priorities make ties (the FIFO part) common; the full range checks the edges.
      const priority = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: MQ_PRIO_MAX - 1 }));
      await fc.assert(
        fc.asyncProperty(
          fc.array(priority, { minLength: 1, maxLength: queue.maxMessages }),
          async (priorities) => {
            priorities.forEach((p, seq) => {
              expect(queue.trySend(Buffer.from(`${seq}`), { priority: p })).toBe(true);
            });
            const received: Array<[number, number]> = [];
            for (let m = queue.tryReceive(); m; m = queue.tryReceive()) {
              received.push([m.priority, Number(m.data.toString())]);
            }
            const expected = priorities
              .map((p, seq): [number, number] => [p, seq])
              .sort((a, b) => b[0] - a[0]);
            expect(received).toEqual(expected); // Array.prototype.sort is stable: FIFO within a priority
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      queue.close();
    }
  });

  it("a late high-priority message overtakes earlier ones that still wait, across receive()", async () => {
    const name = queues.name();
    const producer = await MessageQueue.open(name, { create: true, maxMessages: 10, messageSize: 32 });
    const consumer = await MessageQueue.open(name, { access: "read" });
    try {
      for (const text of ["a", "b", "c"]) await producer.send(text);
      await producer.send("urgent", { priority: 100 });
      const order: string[] = [];
      for (let i = 0; i < 4; i++) order.push((await consumer.receive()).data.toString());
      expect(order).toEqual(["urgent", "a", "b", "c"]);
    } finally {
      producer.close();
      consumer.close();
    }
  });
});
