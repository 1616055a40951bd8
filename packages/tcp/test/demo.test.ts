/**
 * The narrated demos (tcp, tcp-ip) show what their pages claim: the frame on the wire with its
 * tag byte, messages received in order, a burst whose sends wait once the kernel's buffers are
 * full (after a few MiB on this host), the END frame ending the consumer's iteration; tcp-ip
 * listens on a network address with TLS when this host has one. No process is left behind.
 */

import { liveChildren, type Narrator, recordingNarrator } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { externalAddresses } from "../src/demo-tcp-ip.ts";
import { tcp, tcpIp } from "../src/index.ts";

async function run(demo: (narrator: Narrator) => Promise<void>): Promise<string[]> {
  const narrator = recordingNarrator();
  await demo(narrator);
  return narrator.lines;
}

function checkStory(lines: string[]): void {
  const index = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
  expect(index(/^producer CONNECTED .*token accepted/), lines.join("\n")).toBeGreaterThanOrEqual(0);
  const first = index(
    /^producer SENT #1 "hello" as 00000006 00 68656c6c6f \(length 6 = tag \+ 5 bytes; tag 00/,
  );
  expect(first).toBeGreaterThanOrEqual(0);
  expect(index(/^consumer RECEIVED #1 "hello"/)).toBeGreaterThanOrEqual(0);
  expect(index(/^consumer RECEIVED #2 "over tcp"/)).toBeGreaterThan(index(/^consumer RECEIVED #1/));
  // The producer waited while the consumer was busy, not after it read again.
  const wait = index(/^producer WAIT /);
  expect(wait, "a send of the burst waited").toBeGreaterThan(index(/^consumer BUSY /));
  const read = index(/^consumer READ /);
  expect(read).toBeGreaterThan(wait);
  // The page says about 5 MiB went out before a send waited: far from both 0 and the whole 16 MiB.
  const sent = Number(/: ([\d.]+) MiB went out/.exec(lines[wait]!)?.[1]);
  expect(sent).toBeGreaterThan(1);
  expect(sent).toBeLessThan(12);
  expect(index(/^producer SENT all 256; the sends went on once the consumer read again/)).toBeGreaterThan(
    wait,
  );
  expect(index(/^consumer RECEIVED 256 burst messages, 16.0 MiB, in order/)).toBeGreaterThan(read);
  expect(index(/^consumer END the producer closed: the iteration ended after 258 messages/)).toBeGreaterThan(
    read,
  );
  expect(liveChildren()).toEqual([]);
}

it("tcp: frames, a burst that waits for 'drain', END", { timeout: 60_000 }, async () => {
  const lines = await run(tcp.demo!);
  checkStory(lines);
  expect(lines.find((l) => l.startsWith("consumer LISTEN"))).toMatch(/on 127\.0\.0\.1:\d+$/);
});

it("tcp-ip: the same story, on this host's network address with TLS", { timeout: 60_000 }, async () => {
  const lines = await run(tcpIp.demo!);
  checkStory(lines);
  const [external] = externalAddresses();
  if (external) {
    expect(lines.find((l) => l.startsWith("consumer LISTEN"))).toBe(
      `consumer LISTEN on ${external}:${/:(\d+) with TLS/.exec(lines.join("\n"))?.[1]} with TLS`,
    );
    expect(lines.some((l) => /^producer CONNECTED .*certificate verified, token accepted/.test(l))).toBe(
      true,
    );
  }
});
