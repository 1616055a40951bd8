/**
 * The message-queues demo shows at-most-once rather than claiming it: consumer A is killed
 * after its receive, and the demo's own count names the message lost. It also shows the small
 * queue the page draws (4 × 128 bytes, full after four sends) and the priority order.
 */

import { recordingNarrator } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { messageQueues } from "../src/index.ts";

it("the demo fills a 4-slot queue, kills consumer A after its receive, and counts 4 sent, 3 received, 1 lost", async () => {
  const narrator = recordingNarrator();
  const { lines } = narrator;
  await messageQueues.demo!(narrator);
  expect(lines[0]).toMatch(/^demo CREATE \/ipc-atlas-demo-\S+: mq_maxmsg 4 × mq_msgsize 128 bytes/);
  expect(lines.filter((l) => l.startsWith("producer SENT"))).toHaveLength(4);
  expect(lines).toContain('producer FULL trySend("order #4") -> false: send() would wait');
  expect(lines).toContain("kernel HOLDS 4 messages; the producer has exited, no consumer exists yet");
  // The highest priority first, though it was sent third.
  expect(lines.filter((l) => l.startsWith("consumer A RECEIVED"))).toEqual([
    'consumer A RECEIVED "URGENT: stop order #2" priority 9',
  ]);
  expect(lines).toContain('demo KILL -9 consumer A while it handled "URGENT: stop order #2"');
  expect(lines).toContain("kernel HOLDS 3 messages: A's receive had taken its message out");
  expect(lines.filter((l) => l.startsWith("consumer B RECEIVED"))).toEqual([
    'consumer B RECEIVED "order #1" priority 0',
    'consumer B RECEIVED "order #2" priority 0',
    'consumer B RECEIVED "order #3" priority 0',
  ]);
  expect(lines.find((l) => l.startsWith("demo COUNT"))).toBe(
    'demo COUNT 4 sent, 3 received by consumer B, 1 lost ("URGENT: stop order #2": consumer A received it, then died), 0 received twice',
  );
  expect(lines.at(-1)).toMatch(/UNLINK .*exists now: false/);
});
