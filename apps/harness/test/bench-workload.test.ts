import type { Consumer } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { nullVariant } from "../src/bench/null-variant.ts";
import {
  eachMessage,
  MessagePool,
  type Plan,
  readSeq,
  receiveStream,
  sendStream,
  windowed,
} from "../src/bench/workload.ts";

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

/** A consumer over `count` messages whose iterator answers the way `answer` says; counts return(). */
function countingConsumer(count: number, answer: "refilled" | "fresh" | "rejects") {
  const messages = Array.from({ length: count }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
  const state = { returned: 0 };
  const result: IteratorResult<Uint8Array> = { done: false, value: new Uint8Array(0) };
  const ready = Promise.resolve(result);
  let next = 0;
  const consumer: Consumer = {
    [Symbol.asyncIterator]: () => ({
      next() {
        if (answer === "rejects" && next === 3) return Promise.reject(new Error("medium broke"));
        if (next === count) return Promise.resolve({ done: true, value: undefined });
        const value = messages[next++]!;
        if (answer === "fresh") return Promise.resolve({ done: false, value });
        result.value = value; // the same settled promise, its result refilled (as the null row does)
        return ready;
      },
      async return() {
        state.returned++;
        return { done: true, value: undefined };
      },
    }),
    async close() {},
  };
  return { consumer, state };
}

describe("the consumer loop's iteration (eachMessage)", () => {
  it("reads a repeated settled answer at once, without a microtask turn per message, and awaits any other", async () => {
    for (const answer of ["refilled", "fresh"] as const) {
      const { consumer } = countingConsumer(1000, answer);
      const seen: number[] = [];
      const done = eachMessage(consumer, (m) => seen.push(m[0]! | (m[1]! << 8)));
      // Two turns of the microtask queue: `for await` would have taken two messages by now.
      await Promise.resolve();
      await Promise.resolve();
      if (answer === "refilled") expect(seen.length).toBe(1000);
      else expect(seen.length).toBeLessThan(10);
      await done;
      expect(seen, answer).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    }
  });

  it("ends the iterator with return() when the loop's body throws, and not when the medium fails", async () => {
    const throwing = countingConsumer(10, "refilled");
    let calls = 0;
    await expect(
      eachMessage(throwing.consumer, () => {
        if (++calls === 5) throw new Error("corrupt");
      }),
    ).rejects.toThrow("corrupt");
    expect({ calls, returned: throwing.state.returned }).toEqual({ calls: 5, returned: 1 });

    const broken = countingConsumer(10, "rejects");
    await expect(eachMessage(broken.consumer, () => {})).rejects.toThrow("medium broke");
    expect(broken.state.returned).toBe(0);
  });
});

/** ns per iteration of a plain `for await` over an iterator that answers at once. */
async function bareForAwait(count: number): Promise<number> {
  const result = { done: false, value: 0 };
  const ready = Promise.resolve(result);
  const done = Promise.resolve({ done: true, value: 0 });
  let i = 0;
  const iterable = { [Symbol.asyncIterator]: () => ({ next: () => (i++ < count ? ready : done) }) };
  const start = process.hrtime.bigint();
  let sum = 0;
  for await (const value of iterable) sum += value;
  return Number(process.hrtime.bigint() - start) / count + sum * 0;
}

/** ns per message of the bench's producer and consumer loops over the null row, one process. */
async function nullLoops(count: number): Promise<number> {
  const endpoint = await nullVariant.open();
  const consumer = await nullVariant.consumer(endpoint.address);
  const producer = await nullVariant.producer(endpoint.address);
  const plan: Plan = {
    size: 64,
    pass: "throughput",
    ratePerSec: null,
    warmup: 100_000,
    warmupSeconds: 1,
    messages: count,
    maxSeconds: 10,
    window: 32,
    epochNs: String(process.hrtime.bigint()),
  };
  const [sender, receiver] = await Promise.all([
    sendStream(producer, plan, true),
    receiveStream(consumer, plan),
  ]);
  expect(receiver).toMatchObject({ duplicated: 0, reordered: 0, corrupt: 0, distinct: sender.sent });
  return (receiver.timedNs - receiver.firstNs) / receiver.timedCount;
}

describe("the null row's speed", () => {
  it("costs less per message, producer and consumer together, than two plain for-await iterations", async () => {
    // Taken in turns and the best of three of each: the machine may be busy with other work.
    const bare: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < 3; i++) {
      bare.push(await bareForAwait(1_000_000));
      floor.push(await nullLoops(1_000_000));
    }
    // Before the consumer loop read settled answers without awaiting them: 2.5-3 times.
    expect(Math.min(...floor)).toBeLessThan(2 * Math.min(...bare));
  }, 60_000);
});
