/**
 * Two fault tests with real processes:
 * - a burst of 10,000 messages into a queue whose consumer process is already waiting: every
 *   message arrives with no receive timing out (no missed wake-up);
 * - `kill -9` of the consumer process after about 5,000 of 10,000 messages, then a new
 *   consumer: no duplicates, and at most the one message in flight (taken from the kernel,
 *   not yet recorded) is lost. That is the at-most-once guarantee of a POSIX queue.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type ChildHandle, spawnScript } from "@ipc-atlas/core";
import { afterEach, describe, expect, it } from "vitest";
import { MessageQueue } from "../src/index.ts";
import { sleep, tempDir, trackedQueues } from "./helpers.ts";

const queues = trackedQueues("mq-fault");
const dir = tempDir();
const children: ChildHandle[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

const END = 0xffffffff;
const COUNT = 10_000;

function seqMessage(seq: number): Buffer {
  const message = Buffer.alloc(16);
  message.writeUInt32BE(seq, 0);
  return message;
}

function startConsumer(name: string, record: string, timeoutMs: number): Promise<ChildHandle> {
  const child = spawnScript(new URL("./fixtures/record-consumer.ts", import.meta.url), {
    args: [name, record, String(timeoutMs)],
    stdio: "pipe",
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (child.output().includes("ready")) {
        clearInterval(check);
        resolve(child);
      }
    }, 10);
    void child.exited.then((code) => {
      clearInterval(check);
      reject(new Error(`consumer exited with ${code} before it was ready: ${child.output()}`));
    });
  });
}

function records(path: string): number[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(bytes.readUInt32BE(i));
  return out;
}

describe("faults", () => {
  it(`a burst of ${COUNT} messages with the consumer process waiting: all arrive, no receive times out`, async () => {
    const name = queues.name();
    const queue = await MessageQueue.open(name, {
      create: true,
      maxMessages: 10,
      messageSize: 64,
      access: "write",
    });
    try {
      const record = join(dir, "burst.rec");
      // "ready" comes once the consumer's receive waits: its poll handle is armed.
      const consumer = await startConsumer(name, record, 5000);
      const burst = Array.from({ length: COUNT }, (_, seq) => seqMessage(seq));
      await queue.sendMany(burst);
      await queue.send(seqMessage(END));
      expect(await consumer.exited).toBe(0);
      expect(JSON.parse(consumer.output().trim().split("\n").at(-1)!)).toEqual({
        received: COUNT,
        timedOut: false,
      });
      expect(records(record)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    } finally {
      queue.close();
    }
  });

  it(`kill -9 of the consumer at ~5,000 of ${COUNT}, a new consumer: no duplicates, at most 1 lost`, async () => {
    const name = queues.name();
    const queue = await MessageQueue.open(name, {
      create: true,
      maxMessages: 10,
      messageSize: 64,
      access: "write",
    });
    try {
      const first = join(dir, "first.rec");
      const second = join(dir, "second.rec");
      const victim = await startConsumer(name, first, 30_000);
      let killedAt = -1;
      const producing = (async () => {
        for (let seq = 0; seq < COUNT; seq++) await queue.send(seqMessage(seq));
        await queue.send(seqMessage(END));
      })();
      while (killedAt < 0) {
        await sleep(5);
        const handled = records(first).length;
        if (handled >= COUNT / 2) {
          victim.kill("SIGKILL");
          killedAt = handled;
        }
      }
      expect(await victim.exited).toBe(128 + 9);
      // While no consumer runs, the producer waits on the full queue; the messages wait in the kernel.
      const deadline = Date.now() + 10_000;
      while (queue.attributes().currentMessages < 10 && Date.now() < deadline) await sleep(5);
      expect(queue.attributes().currentMessages).toBe(10);
      const successor = await startConsumer(name, second, 30_000);
      await producing;
      expect(await successor.exited).toBe(0);

      const seen = [...records(first), ...records(second)];
      const unique = new Set(seen);
      const lost = COUNT - unique.size;
      console.log(
        `kill -9 after ${killedAt} handled: ${seen.length} handled in all, ${lost} lost, 0 duplicates`,
      );
      expect(seen.length).toBe(unique.size); // no duplicates
      expect(lost).toBeLessThanOrEqual(1); // at most the message in flight
      expect(records(first)).toEqual([...records(first)].sort((a, b) => a - b)); // in order
      expect(Math.max(...seen)).toBe(COUNT - 1);
    } finally {
      queue.close();
    }
  });
});
