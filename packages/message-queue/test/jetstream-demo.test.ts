/**
 * The demo tells what happened: a consumer killed mid-stream, its unacked messages (the one in
 * its hands and those fetched ahead) redelivered to the next one after newer ones, and the
 * count at the end says nothing was lost.
 */

import { recordingNarrator } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { messageQueuesJetStream } from "../src/jetstream/index.ts";

it("the demo kills a consumer with kill -9 mid-stream and counts 10 sent, 10 received, 0 lost", async () => {
  const narrator = recordingNarrator();
  const { lines } = narrator;
  await messageQueuesJetStream.demo!(narrator);
  expect(lines).toContain("producer SENT #1–#10, stored as stream messages 1–10");
  expect(lines.filter((l) => l.startsWith("consumer A RECEIVED"))).toEqual([
    'consumer A RECEIVED "#1"',
    'consumer A RECEIVED "#2"',
    'consumer A RECEIVED "#3"',
  ]);
  expect(lines.some((l) => l.startsWith("demo KILL -9 consumer A") && l.endsWith("before it acked #3"))).toBe(
    true,
  );
  expect(lines.some((l) => l.startsWith("consumer B RECEIVED") && l.includes("redelivered"))).toBe(true);
  expect(lines.find((l) => l.startsWith("demo COUNT"))).toBe(
    "demo COUNT 10 sent, 10 distinct received, 0 lost, 1 received twice (#3: A took it, never acked it)",
  );
  // Prefetch and the order of redeliveries, counted: A was given more than it showed, and B
  // got them back only after the messages nobody had been given.
  expect(lines.find((l) => l.startsWith("queue WAIT") && l.includes("fetched ahead"))).toMatch(
    /delivered to A and never acked: #3, which A was processing, and #4(–#\d+)?, fetched ahead/,
  );
  expect(lines.find((l) => l.startsWith("demo ORDER"))).toMatch(
    /^demo ORDER consumer B got #\d+–#10 \(first deliveries\), then #3–#\d+ \(A's, redelivered\)$/,
  );
});
