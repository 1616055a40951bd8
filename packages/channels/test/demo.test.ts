import type { Narrator } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { channelsBuffered, channelsUnbuffered } from "../src/index.ts";

/** What a demo narrated, as `actor EVENT detail` lines with their time, in the order they came. */
async function record(demo: ((narrator: Narrator) => Promise<void>) | undefined) {
  const lines: { at: number; line: string }[] = [];
  const start = performance.now();
  await demo?.({
    say: (actor, event, detail) =>
      lines.push({ at: performance.now() - start, line: `${actor} ${event} ${detail}` }),
    note: () => {},
  });
  const at = (pattern: RegExp) => {
    const found = lines.find((l) => pattern.test(l.line));
    if (!found) throw new Error(`no line matches ${pattern}:\n${lines.map((l) => l.line).join("\n")}`);
    return found;
  };
  return { lines: lines.map((l) => l.line), at };
}

const waited = (line: string) => Number(/after (\d+) ms/.exec(line)?.[1]);

describe("the channel demos show what their pages say", () => {
  it("unbuffered: a send lasts until a receiver takes the value, and ends at once when one waits", async () => {
    const { lines, at } = await record(channelsUnbuffered.demo);
    expect(lines.filter((l) => l.startsWith("producer WAIT"))).toHaveLength(2);
    // The receiver is busy 500 ms before "ping" and "pong": each send waited that long.
    expect(waited(at(/SENT "ping"/).line)).toBeGreaterThanOrEqual(450);
    expect(waited(at(/SENT "pong"/).line)).toBeGreaterThanOrEqual(450);
    // For "done" the receiver was there first: no WAIT, and the send took (almost) no time.
    expect(lines.some((l) => l.includes('WAIT send("done")'))).toBe(false);
    expect(waited(at(/SENT "done"/).line)).toBeLessThan(250);
    expect(lines.filter((l) => l.startsWith("consumer RECEIVED"))).toEqual([
      'consumer RECEIVED "ping"',
      'consumer RECEIVED "pong"',
      'consumer RECEIVED "done"',
    ]);
    expect(lines.at(-1)).toBe("consumer END receive gives ok=false: the channel is closed");
  }, 20_000);

  it("buffered: three sends go at once, the fourth waits for a receive, close leaves the buffer to drain", async () => {
    const { lines, at } = await record(channelsBuffered.demo);
    const producer = lines.filter((l) => l.startsWith("producer"));
    expect(producer.slice(0, 4)).toEqual([
      expect.stringMatching(/^producer SENT #1 .*\(len 1\/cap 3\)$/),
      expect.stringMatching(/^producer SENT #2 .*\(len 2\/cap 3\)$/),
      expect.stringMatching(/^producer SENT #3 .*\(len 3\/cap 3\)$/),
      "producer WAIT #4: the buffer is full (len 3/cap 3), send waits",
    ]);
    expect(waited(at(/SENT #4/).line)).toBeGreaterThanOrEqual(150);
    expect(at(/CLOSE/).line).toBe("producer CLOSE with 3 values still buffered");
    // FIFO, nothing lost or doubled, and the buffered values outlive close.
    expect(lines.filter((l) => l.startsWith("consumer RECEIVED"))).toEqual(
      ["#1", "#2", "#3", "#4", "#5"].map((v) => `consumer RECEIVED ${v}`),
    );
    expect(lines.indexOf("consumer RECEIVED #5")).toBeGreaterThan(
      lines.indexOf("producer CLOSE with 3 values still buffered"),
    );
    expect(lines.at(-1)).toBe("consumer END receive gives ok=false: the channel is closed and drained");
  }, 20_000);
});
