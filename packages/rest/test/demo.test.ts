/**
 * The narrated demo runs its server and client as two processes, shows what its page says it
 * shows, and leaves no process behind.
 */

import { liveChildren, recordingNarrator } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { rest } from "../src/index.ts";

it("the demo narrates requests held until taken, refusals the consumer never sees, and the end", async () => {
  const narrator = recordingNarrator();
  const { lines } = narrator;
  await rest.demo!(narrator);
  const index = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
  expect(index(/^consumer \(server\) REQUEST GET \/health/)).toBeGreaterThan(0);
  const waited: number[] = [];
  for (const [i, text] of ["hello", "over HTTP"].entries()) {
    const bytes = Buffer.byteLength(text);
    const request = index(new RegExp(`^consumer \\(server\\) REQUEST POST /messages \\(${bytes} bytes`));
    const received = index(new RegExp(`^consumer \\(server\\) RECEIVED #${i + 1} "${text}"`));
    const confirmed = index(new RegExp(`^producer \\(client\\) SENT "${text}": 204 after \\d+ ms`));
    expect(request, `the server saw the request of #${i + 1}`).toBeGreaterThan(0);
    expect(received).toBeGreaterThan(request);
    expect(confirmed, `the 204 of #${i + 1} came after the consumer took it`).toBeGreaterThan(received);
    waited.push(Number(/after (\d+) ms/.exec(lines[confirmed]!)![1]));
  }
  // The second request arrived while the consumer was busy (400 ms) and was held that long.
  expect(waited[1]).toBeGreaterThanOrEqual(300);
  expect(index(/REFUSED no token → 401 EAUTH/)).toBeGreaterThan(0);
  expect(index(/REFUSED text\/plain → 415 EUNSUPPORTEDTYPE/)).toBeGreaterThan(0);
  // Refused requests never reach the consumer: it took the two messages sent, no more.
  expect(lines.filter((line) => / RECEIVED /.test(line))).toHaveLength(2);
  const end = index(/^consumer \(server\) END a producer closed the stream after 2 messages/);
  expect(end, "the server narrated END").toBeGreaterThan(0);
  expect(end).toBeLessThan(index(/^producer \(client\) CLOSED 204/));
  expect(liveChildren()).toEqual([]);
});
