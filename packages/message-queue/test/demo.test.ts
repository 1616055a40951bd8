/**
 * The message-queues demo shows at-most-once rather than claiming it: consumer A is killed
 * after its receive, and the demo's own count names the message lost.
 */

import type { Narrator } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { messageQueues } from "../src/index.ts";

it("the demo kills consumer A after its receive and counts 8 sent, 7 received, 1 lost", async () => {
  const lines: string[] = [];
  const narrator: Narrator = {
    say: (actor, event, detail) => lines.push(`${actor} ${event} ${detail ?? ""}`),
    note: (text) => lines.push(`· ${text}`),
  };
  await messageQueues.demo!(narrator);
  expect(lines.some((l) => l.startsWith('consumer A RECEIVED "URGENT: stop order #2" priority 9'))).toBe(
    true,
  );
  expect(lines.some((l) => l.startsWith("demo KILL -9 consumer A"))).toBe(true);
  expect(lines.some((l) => l.startsWith("kernel HOLDS currentMessages=7:"))).toBe(true);
  expect(lines.filter((l) => l.startsWith("consumer B RECEIVED"))).toHaveLength(7);
  expect(lines.find((l) => l.startsWith("demo COUNT"))).toBe(
    'demo COUNT 8 sent, 7 received by consumer B, 1 lost ("URGENT: stop order #2": consumer A received it, then died), 0 received twice',
  );
  expect(lines.at(-1)).toMatch(/UNLINK .*exists now: false/);
});
