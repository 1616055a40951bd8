import { describe, expect, it } from "vitest";
import { MessagePool, readSeq } from "../src/bench/workload.ts";

describe("the message pool", () => {
  it("stamps the sequence number in place and hands out every buffer once per turn, even when the numbers jump", () => {
    const pool = new MessagePool(64, 32);
    const taken: Uint8Array[] = [];
    // A warm-up that ended early at 37 messages, then the measured ones from 20,000 on.
    for (let seq = 0; seq < 37; seq++) taken.push(pool.take(seq));
    for (let seq = 20_000; seq < 20_000 + pool.count - 37; seq++) taken.push(pool.take(seq));
    expect(new Set(taken).size).toBe(pool.count);
    expect(readSeq(taken[36]!)).toBe(36);
    expect(readSeq(taken[37]!)).toBe(20_000);
    expect(taken.every((m) => m.byteLength === 64 && m.buffer.byteLength === 64)).toBe(true);
    // More buffers than four windows: a buffer comes round only after the window is long done.
    expect(pool.count).toBeGreaterThan(4 * 32);
    expect(pool.take(1)).toBe(taken[0]);
  });
});
