/**
 * The demo tells what happened: a consumer killed mid-stream, its unacked messages
 * redelivered to the next one, and the count at the end says nothing was lost.
 */

import type { Narrator } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { messageQueuesJetStream } from "../src/jetstream/index.ts";

it("the demo kills a consumer with kill -9 mid-stream and counts 12 sent, 12 received, 0 lost", async () => {
  const lines: string[] = [];
  const narrator: Narrator = {
    say: (actor, event, detail) => lines.push(`${actor} ${event} ${detail ?? ""}`),
    note: (text) => lines.push(`· ${text}`),
  };
  await messageQueuesJetStream.demo!(narrator);
  expect(lines.some((l) => l.startsWith("demo KILL -9 consumer A"))).toBe(true);
  expect(lines.some((l) => l.startsWith("consumer B RECEIVED") && l.includes("redelivered"))).toBe(true);
  expect(lines.find((l) => l.startsWith("demo COUNT"))).toMatch(/12 sent, 12 distinct received, 0 lost/);
});
