import { AbortError, ClosedError } from "@ipc-atlas/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Channel } from "../src/index.ts";

/** Settles pending promise callbacks so that "still pending" can be asserted. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe("unbuffered channel (capacity 0): rendezvous", () => {
  it("send stays pending until a receiver takes the value", async () => {
    const ch = new Channel<number>(0);
    const sent = track(ch.send(1));
    await flush();
    expect(sent.settled).toBe(false);
    expect(ch.length).toBe(0);
    expect(ch.waitingSenders).toBe(1);
    await expect(ch.receive()).resolves.toEqual({ value: 1, ok: true });
    await flush();
    expect(sent).toMatchObject({ settled: true, value: undefined });
  });

  it("a waiting receiver gets the value at once and the send resolves", async () => {
    const ch = new Channel<string>(0);
    const received = ch.receive();
    expect(ch.waitingReceivers).toBe(1);
    await ch.send("hi");
    await expect(received).resolves.toEqual({ value: "hi", ok: true });
  });

  it("trySend fails without a receiver and succeeds with one; tryReceive takes from a waiting sender", async () => {
    const ch = new Channel<number>(0);
    expect(ch.trySend(1)).toBe(false);
    expect(ch.tryReceive()).toBeUndefined();
    const receiving = ch.receive();
    expect(ch.trySend(2)).toBe(true);
    await expect(receiving).resolves.toEqual({ value: 2, ok: true });
    const sending = ch.send(3);
    expect(ch.tryReceive()).toEqual({ value: 3, ok: true });
    await sending;
  });
});

describe("buffered channel: capacity", () => {
  it("holds capacity values without a receiver, then send waits", async () => {
    const ch = new Channel<number>(3);
    for (const v of [1, 2, 3]) await ch.send(v);
    expect(ch.length).toBe(3);
    expect(ch.trySend(4)).toBe(false);
    const fourth = track(ch.send(4));
    await flush();
    expect(fourth.settled).toBe(false);
    // One receive frees one slot: the waiting sender moves in and goes on.
    expect(await ch.receive()).toEqual({ value: 1, ok: true });
    await flush();
    expect(fourth.settled).toBe(true);
    expect(ch.peekBuffered()).toEqual([2, 3, 4]);
  });

  it("wraps around its ring many times without losing order", async () => {
    const ch = new Channel<number>(5);
    const out: number[] = [];
    for (let i = 0; i < 1000; i++) {
      await ch.send(i);
      if (i % 3 === 2) for (let r = ch.tryReceive(); r?.ok; r = ch.tryReceive()) out.push(r.value);
    }
    for (let r = ch.tryReceive(); r?.ok; r = ch.tryReceive()) out.push(r.value);
    expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("rejects a negative or fractional capacity", () => {
    expect(() => new Channel(-1)).toThrow(RangeError);
    expect(() => new Channel(1.5)).toThrow(RangeError);
  });
});

describe("close", () => {
  it("receivers drain the buffer, then get ok=false; iteration ends", async () => {
    const ch = new Channel<number>(4);
    await ch.send(1);
    await ch.send(2);
    ch.close();
    expect(await ch.receive()).toEqual({ value: 1, ok: true });
    expect(ch.tryReceive()).toEqual({ value: 2, ok: true });
    expect(await ch.receive()).toEqual({ value: undefined, ok: false });
    expect(ch.tryReceive()).toEqual({ value: undefined, ok: false });
    const all: number[] = [];
    for await (const v of ch) all.push(v);
    expect(all).toEqual([]);
  });

  it("wakes waiting receivers with ok=false", async () => {
    const ch = new Channel<number>(0);
    const a = ch.receive();
    const b = ch.receive();
    ch.close();
    await expect(Promise.all([a, b])).resolves.toEqual([
      { value: undefined, ok: false },
      { value: undefined, ok: false },
    ]);
  });

  it("send, trySend after close are ClosedError; pending senders reject with ClosedError", async () => {
    const ch = new Channel<number>(1);
    await ch.send(1);
    const pending = ch.send(2);
    ch.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
    await expect(ch.send(3)).rejects.toBeInstanceOf(ClosedError);
    expect(() => ch.trySend(3)).toThrow(ClosedError);
    // The value that was buffered before close is still delivered; the rejected one is not.
    expect(await ch.receive()).toEqual({ value: 1, ok: true });
    expect(await ch.receive()).toEqual({ value: undefined, ok: false });
    ch.close(); // closing twice is a no-op
  });

  it("for await delivers everything then ends", async () => {
    const ch = new Channel<number>(2);
    const producing = (async () => {
      for (let i = 0; i < 50; i++) await ch.send(i);
      ch.close();
    })();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    await producing;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe("AbortSignal", () => {
  it("an aborted send leaves nothing in the channel and later sends still go through", async () => {
    const ch = new Channel<string>(0);
    const controller = new AbortController();
    const sending = ch.send("aborted", { signal: controller.signal });
    controller.abort(new Error("gave up"));
    await expect(sending).rejects.toBeInstanceOf(AbortError);
    expect(ch.waitingSenders).toBe(0);
    expect(ch.tryReceive()).toBeUndefined();
    const next = ch.send("kept");
    expect(await ch.receive()).toEqual({ value: "kept", ok: true });
    await next;
  });

  it("an aborted send in the middle of the queue is skipped, the others keep their order", async () => {
    const ch = new Channel<number>(1);
    await ch.send(0);
    const controller = new AbortController();
    const one = ch.send(1);
    const two = ch.send(2, { signal: controller.signal });
    const three = ch.send(3);
    controller.abort();
    await expect(two).rejects.toBeInstanceOf(AbortError);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push((await ch.receive()).value as number);
    await Promise.all([one, three]);
    expect(got).toEqual([0, 1, 3]);
  });

  it("an aborted receive takes nothing", async () => {
    const ch = new Channel<number>(0);
    const controller = new AbortController();
    const receiving = ch.receive({ signal: controller.signal });
    controller.abort();
    await expect(receiving).rejects.toBeInstanceOf(AbortError);
    expect(ch.waitingReceivers).toBe(0);
    expect(ch.trySend(1)).toBe(false);
  });

  it("an already aborted signal rejects at once, even when the operation could complete", async () => {
    const ch = new Channel<number>(4);
    const signal = AbortSignal.abort();
    await expect(ch.send(1, { signal })).rejects.toBeInstanceOf(AbortError);
    expect(ch.length).toBe(0);
    await expect(ch.receive({ signal })).rejects.toBeInstanceOf(AbortError);
  });

  it("many aborted waits leave no waiter behind (no leak on an idle channel)", async () => {
    const ch = new Channel<number>(0);
    for (let i = 0; i < 1000; i++) {
      const controller = new AbortController();
      const p = ch.receive({ signal: controller.signal });
      controller.abort();
      await p.catch(() => {});
    }
    expect(ch.waitingReceivers).toBe(0);
  });
});

describe("property: any interleaving preserves FIFO order and loses nothing", () => {
  it("holds for every capacity, schedule and mix of try/blocking operations", async () => {
    // A schedule is a list of steps run by two concurrent tasks; each step picks which side
    // acts next, how (blocking or try), and how long it yields, so many interleavings occur.
    const step = fc.record({
      side: fc.constantFrom("send", "receive"),
      mode: fc.constantFrom("wait", "try"),
      yields: fc.nat({ max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 5 }),
        fc.array(step, { maxLength: 60 }),
        fc.nat({ max: 40 }),
        async (capacity, steps, total) => {
          const ch = new Channel<number>(capacity);
          const received: number[] = [];
          let next = 0;
          const yieldTimes = async (n: number) => {
            for (let i = 0; i < n; i++) await Promise.resolve();
          };
          const sendSteps = steps.filter((s) => s.side === "send");
          const receiveSteps = steps.filter((s) => s.side === "receive");
          const producer = (async () => {
            let i = 0;
            while (next < total) {
              const s = sendSteps[i++ % Math.max(sendSteps.length, 1)];
              if (s?.mode === "try") {
                if (ch.trySend(next)) next++;
                else await ch.send(next++);
              } else await ch.send(next++);
              await yieldTimes(s?.yields ?? 0);
            }
            ch.close();
          })();
          const consumer = (async () => {
            let i = 0;
            for (;;) {
              const s = receiveSteps[i++ % Math.max(receiveSteps.length, 1)];
              let result = s?.mode === "try" ? ch.tryReceive() : undefined;
              result ??= await ch.receive();
              if (!result.ok) return;
              received.push(result.value);
              await yieldTimes(s?.yields ?? 0);
            }
          })();
          await Promise.all([producer, consumer]);
          expect(received).toEqual(Array.from({ length: total }, (_, i) => i));
          expect(ch.length).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("holds with several concurrent senders: each sender's values stay in order, none lost or duplicated", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 4 }),
        fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 4 }),
        async (capacity, counts) => {
          const ch = new Channel<[number, number]>(capacity);
          const senders = counts.map(async (count, who) => {
            for (let i = 0; i < count; i++) await ch.send([who, i]);
          });
          const closing = Promise.all(senders).then(() => ch.close());
          const got: Array<[number, number]> = [];
          for await (const v of ch) got.push(v);
          await closing;
          counts.forEach((count, who) => {
            expect(got.filter(([w]) => w === who).map(([, i]) => i)).toEqual(
              Array.from({ length: count }, (_, i) => i),
            );
          });
          expect(got.length).toBe(counts.reduce((a, b) => a + b, 0));
        },
      ),
      { numRuns: 200 },
    );
  });
});
