import { describe, expect, it } from "vitest";
import { nullVariant } from "../src/bench/null-variant.ts";
import { MessagePool, readSeq, windowed } from "../src/bench/workload.ts";

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

describe("the null row's hand-off", () => {
  it("keeps every message in order past its ring, also when sends are not awaited, and says when it is full", async () => {
    const endpoint = await nullVariant.open();
    const consumer = await nullVariant.consumer(endpoint.address);
    const producer = await nullVariant.producer(endpoint.address);
    const pool = new MessagePool(64, 1);
    const answers = new Set<Promise<void>>();
    // 500 sends without awaiting any: the ring (64) must grow, never overwrite.
    for (let seq = 0; seq < 500; seq++) answers.add(producer.send(pool.take(seq)));
    // "Taken at once" is one settled promise; "no room yet" is another, settled once half is taken.
    expect(answers.size).toBe(2);
    await producer.close();
    const seen: number[] = [];
    for await (const message of consumer) seen.push(readSeq(message));
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
    await Promise.all(answers);
    await expect(producer.send(pool.take(500))).rejects.toThrow(/closed/i);
  });

  it("hands over through the consumer's own loop: every message once, in order, with sends awaited as the window says", async () => {
    const endpoint = await nullVariant.open();
    const consumer = await nullVariant.consumer(endpoint.address);
    const producer = await nullVariant.producer(endpoint.address);
    const pool = new MessagePool(64, 32);
    const sends = windowed(producer, 32);
    const count = 10_000;
    const sending = (async () => {
      for (let seq = 0; seq < count; seq++) {
        const wait = sends.send(pool.take(seq));
        if (wait) {
          await wait;
          sends.settled(wait);
        }
      }
      await sends.drain();
      await producer.close();
    })();
    let expected = 0;
    let wrong = 0;
    for await (const message of consumer) if (readSeq(message) !== expected++) wrong++;
    await sending;
    expect({ received: expected, wrong }).toEqual({ received: count, wrong: 0 });
  });
});
