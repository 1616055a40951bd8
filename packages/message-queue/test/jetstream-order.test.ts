/**
 * Call order with a window of publishes in flight: sends made without awaiting each other are
 * stored in call order even when the server is killed in the middle of the burst (the producer
 * fences and resends what was not acknowledged, in order, under the same ids), and against a
 * small stream that fills while its consumer is slow (the producer keeps its own bound below
 * the stream's limit) — the latter as a property over burst sizes, pauses and consumer speeds.
 */

import { type NatsServer, startNatsServer } from "@ipc-atlas/nats";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { JetStreamQueue } from "../src/jetstream/index.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer({ jetstream: true });
});
afterAll(async () => {
  await server?.stop();
});

function sequenced(seq: number, size = 64): Uint8Array {
  const message = Buffer.alloc(size, seq & 0xff);
  message.writeUInt32BE(seq, 0);
  return message;
}
const seqOf = (message: Uint8Array) => Buffer.from(message).readUInt32BE(0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const pacing of ["all at once", "in bursts of 10 a millisecond apart"] as const) {
  it(`10,000 sends without awaiting (${pacing}), window 128, nats-server killed with SIGKILL mid-burst: all stored once, in call order`, async () => {
    const n = 10_000;
    const queue = await JetStreamQueue.open({ servers: [server.url] });
    cleanups.push(() => queue.close());
    const producer = await JetStreamQueue.producer(queue.address, { window: 128 });
    cleanups.push(() => producer.close());

    let stored = 0;
    let restarted: Promise<void> | undefined;
    const sends: Promise<void>[] = [];
    for (let seq = 0; seq < n; seq++) {
      sends.push(
        producer.send(sequenced(seq)).then(() => {
          // A quarter of the way in, with sends in flight: the server dies and comes back.
          if (++stored === n / 4) {
            server.kill("SIGKILL");
            restarted = sleep(300).then(() => server.start());
          }
        }),
      );
      // Paced, the window is not full when the server dies: sends keep coming during the outage.
      if (pacing !== "all at once" && seq % 10 === 9) await sleep(1);
    }
    await Promise.all(sends);
    await restarted;
    expect(producer.stats.fences).toBeGreaterThan(0);
    expect(producer.stats.resent).toBeGreaterThan(0);
    expect(producer.stats.reordered).toBe(0);
    expect((await queue.info()).messages).toBe(n);
    await producer.close();

    // The stream holds them in call order: one consumer takes 0, 1, 2, ... n-1.
    const consumer = await JetStreamQueue.consumer(queue.address);
    cleanups.push(() => consumer.close());
    let expected = 0;
    for await (const message of consumer) {
      const seq = seqOf(message);
      if (seq !== expected) expect.fail(`message ${seq} stored where ${expected} belongs`);
      expected++;
    }
    expect(expected).toBe(n);
  }, 120_000);
}

it("a stream that fills while its consumer is slow stores every send in call order (property over timings)", async () => {
  const timings = fc.record({
    capacity: fc.integer({ min: 5, max: 120 }),
    window: fc.integer({ min: 2, max: 256 }),
    size: fc.integer({ min: 8, max: 2048 }),
    // The producer's bursts (sends made without awaiting each other) and its pauses between them.
    bursts: fc.array(fc.record({ sends: fc.integer({ min: 1, max: 150 }), pauseMs: fc.nat({ max: 30 }) }), {
      minLength: 2,
      maxLength: 6,
    }),
    // The consumer's processing time per message, cycled: slow enough to keep the stream full.
    consumerMs: fc.array(fc.nat({ max: 8 }), { minLength: 1, maxLength: 5 }),
    // Whether the stream's limit is its byte size instead of its message count.
    byBytes: fc.boolean(),
  });
  const deadline = Date.now() + 60_000;
  await fc.assert(
    fc.asyncProperty(timings, async (t) => {
      const bytesPerMessage = t.size + 200;
      const queue = await JetStreamQueue.open({
        servers: [server.url],
        // (A message must fit the stream with 1 KiB to spare for headers: see JetStreamQueue.open.)
        ...(t.byBytes ? { maxBytes: t.capacity * bytesPerMessage + 1024 } : { capacity: t.capacity }),
        maxMessageSize: t.size,
      });
      try {
        const producer = await JetStreamQueue.producer(queue.address, { window: t.window });
        const consumer = await JetStreamQueue.consumer(queue.address);
        const n = t.bursts.reduce((sum, b) => sum + b.sends, 0);
        const producing = (async () => {
          let seq = 0;
          const sends: Promise<void>[] = [];
          for (const burst of t.bursts) {
            for (let i = 0; i < burst.sends; i++) sends.push(producer.send(sequenced(seq++, t.size)));
            await sleep(burst.pauseMs);
          }
          await Promise.all(sends);
          await producer.close();
        })();
        const received: number[] = [];
        for await (const message of consumer) {
          received.push(seqOf(message));
          const ms = t.consumerMs[received.length % t.consumerMs.length]!;
          if (ms > 0) await sleep(ms);
        }
        await producing;
        await consumer.close();
        expect(received).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(producer.stats.reordered).toBe(0);
      } finally {
        await queue.close();
      }
    }),
    // Bounded in time: a handful of runs, each a second or two.
    {
      numRuns: 8,
      interruptAfterTimeLimit: Math.max(1, deadline - Date.now()),
      markInterruptAsFailure: false,
    },
  );
}, 120_000);
