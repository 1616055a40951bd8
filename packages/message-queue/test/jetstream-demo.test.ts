/**
 * The demo tells what happened: a consumer killed mid-stream, its unacked messages (the one in
 * its hands and those fetched ahead) redelivered to the next one after newer ones, and the
 * count at the end says nothing was lost.
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
  // Prefetch and the order of redeliveries, counted: A was given more than it showed, and B
  // got them back only after the messages nobody had been given.
  expect(lines.find((l) => l.startsWith("queue WAIT") && l.includes("fetched ahead"))).toMatch(
    /delivered to A and never acked: #5, which A was processing, and #6(–#\d+)?, fetched ahead/,
  );
  expect(lines.find((l) => l.startsWith("demo ORDER"))).toMatch(
    /^demo ORDER consumer B got #\d+–#12 \(first deliveries\), then #5–#\d+ \(A's, redelivered\)$/,
  );
});
