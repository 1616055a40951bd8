/**
 * The demos show what their pages say: they run the example programs on real threads and
 * processes, and these tests check the lines that carry the claims.
 */

import type { Narrator } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { sharedMemoryPosix, sharedMemoryWorkers } from "../src/index.ts";

/** The demo's lines as `actor EVENT detail`, in the order the demo's narrator got them. */
async function record(demo: ((narrator: Narrator) => Promise<void>) | undefined): Promise<string[]> {
  const lines: string[] = [];
  await demo?.({ say: (actor, event, detail) => lines.push(`${actor} ${event} ${detail}`), note: () => {} });
  return lines;
}

const index = (lines: string[], pattern: RegExp) => {
  const i = lines.findIndex((line) => pattern.test(line));
  if (i === -1) throw new Error(`no line matches ${pattern}:\n${lines.join("\n")}`);
  return i;
};

describe("the shared-memory demos show what their pages say", () => {
  it("workers: two orders fill the 64-byte ring, the third waits without blocking its thread", async () => {
    const lines = await record(sharedMemoryWorkers.demo);
    const producer = lines.filter((line) => line.startsWith("producer thread"));
    expect(producer.slice(0, 3)).toEqual([
      'producer thread SENT "order #1: espresso"',
      'producer thread SENT "order #2: espresso"',
      "producer thread WAIT order #3: the ring is full (48 of 64 bytes used)",
    ]);
    // The consumer starts only once the producer waits; the timer ran while send() waited.
    expect(index(lines, /START consumer thread/)).toBeGreaterThan(index(lines, /WAIT order #3/));
    const ticks = Number(/ticked (\d+) times/.exec(lines[index(lines, /RESUMED order #3/)]!)?.[1]);
    expect(ticks).toBeGreaterThan(0);
    expect(lines.filter((line) => line.startsWith("consumer thread RECEIVED"))).toEqual(
      [1, 2, 3, 4].map((i) => `consumer thread RECEIVED "order #${i}: espresso"`),
    );
    expect(lines).toContain("consumer thread END the ring is closed and empty: iteration finished");
    expect(lines).toContain("main EXITED producer thread code 0, consumer thread code 0");
  }, 60_000);

  it("posix: 100,000 records arrive in order, a killed producer is a PeerGoneError, nothing stays in /dev/shm", async () => {
    const lines = await record(sharedMemoryPosix.demo);
    expect(lines[0]).toMatch(/^main CREATE \/dev\/shm\/ipc-atlas-shm-\S+: .*mode 0600, 4608 bytes/);
    const end = lines[index(lines, /^consumer END/)]!;
    expect(end).toMatch(
      /^consumer END 100000 records, in order, none lost or doubled; timer ticks while I waited: \d+$/,
    );
    // The consumer waited on its doorbell while the producer process started: its timer ran meanwhile.
    expect(Number(/(\d+)$/.exec(end)?.[1])).toBeGreaterThan(0);
    expect(lines[index(lines, /main UNLINK \/dev\/shm/)]).toMatch(/still there: false$/);
    // The second ring: the consumer reads what the producer sent before it died, then the error.
    expect(index(lines, /consumer GONE/)).toBeGreaterThan(index(lines, /main KILL/));
    expect(lines[index(lines, /consumer GONE/)]).toMatch(
      /^consumer GONE PeerGoneError after 3 records; timer ticks while I waited: \d+$/,
    );
    expect(lines.at(-1)).toBe("main UNLINK second ring; /dev/shm has it: false");
  }, 120_000);
});
