/**
 * Limits at their edges: message sizes 0, max and max + 1; queue names the kernel would
 * refuse, caught before any syscall; the longest name it accepts. Nothing is left behind.
 */

import { MessageTooLargeError } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { InvalidQueueNameError, MessageQueue, NAME_MAX } from "../src/index.ts";
import { trackedQueues } from "./helpers.ts";

const queues = trackedQueues("mq-limits");

describe("message sizes", () => {
  it("0 bytes and exactly messageSize pass; messageSize + 1 is MessageTooLargeError and the queue stays usable", async () => {
    const queue = await MessageQueue.open(queues.name(), { create: true, maxMessages: 4, messageSize: 8192 });
    try {
      await queue.send(new Uint8Array(0));
      const largest = Buffer.alloc(8192, 7);
      await queue.send(largest);
      await expect(queue.send(new Uint8Array(8193))).rejects.toBeInstanceOf(MessageTooLargeError);
      await queue.send("after");
      expect((await queue.receive()).data.byteLength).toBe(0);
      expect((await queue.receive()).data.equals(largest)).toBe(true);
      expect((await queue.receive()).data.toString()).toBe("after");
      expect(queue.tryReceive()).toBeUndefined();
    } finally {
      queue.close();
    }
  });

  it("receive buffers follow the queue's real messageSize, whoever created it", async () => {
    const name = queues.name();
    // Someone else made the queue with sizes of their own; we ask for others and get theirs.
    const creator = await MessageQueue.open(name, { create: true, maxMessages: 3, messageSize: 50 });
    const other = await MessageQueue.open(name, { create: true, maxMessages: 10, messageSize: 8192 });
    try {
      expect([other.maxMessages, other.messageSize]).toEqual([3, 50]);
      const exact = Buffer.alloc(50, 3);
      await creator.send(exact);
      expect((await other.receive()).data.equals(exact)).toBe(true);
      await expect(other.send(new Uint8Array(51))).rejects.toBeInstanceOf(MessageTooLargeError);
    } finally {
      creator.close();
      other.close();
    }
  });
});

describe("queue names", () => {
  const bad: Array<[string, RegExp]> = [
    ["", /empty/],
    ["/", /at least one character/],
    ["a", /start with/],
    ["/a/b", /only the leading/],
    ["a".repeat(256), /start with/],
    [`/${"a".repeat(NAME_MAX + 1)}`, /NAME_MAX/],
    ["/.", /not names/],
  ];
  for (const [name, reason] of bad) {
    it(`${JSON.stringify(name.length > 20 ? `${name.slice(0, 12)}…(${name.length} chars)` : name)} is InvalidQueueNameError before any syscall`, async () => {
      const error = await MessageQueue.open(name, { create: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidQueueNameError);
      expect((error as Error).message).toMatch(reason);
      expect(() => MessageQueue.unlinkSync(name)).toThrow(InvalidQueueNameError);
    });
  }

  it(`"/" + ${NAME_MAX} bytes (256 characters) is the longest name, and it works`, async () => {
    const name = `/${"q".repeat(NAME_MAX - 20)}${process.pid.toString().padStart(20, "0")}`;
    expect(name.length).toBe(256);
    const queue = await MessageQueue.open(name, { create: true, maxMessages: 1, messageSize: 8 });
    try {
      expect(queue.trySend("edge")).toBe(true);
    } finally {
      queue.close();
      await MessageQueue.unlink(name);
    }
    expect(MessageQueue.exists(name)).toBe(false);
  });

  it("the tests in this file left no queue behind", () => {
    // Runs last in the file: afterEach has unlinked every tracked name by now.
    for (const name of queues.created) expect(MessageQueue.exists(name)).toBe(false);
  });
});
