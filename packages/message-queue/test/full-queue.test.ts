/**
 * A full queue and an empty one: send() waits and resumes, trySend() says false, timeouts and
 * aborts give typed errors, and all the while the event loop keeps running — waiting happens
 * on a libuv poll handle, never by blocking a thread.
 */

import { AbortError, ClosedError, TimeoutError } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { MessageQueue } from "../src/index.ts";
import { sleep, trackedQueues } from "./helpers.ts";

const queues = trackedQueues("mq-full");

async function fullQueue(capacity = 3) {
  const name = queues.name();
  const queue = await MessageQueue.open(name, { create: true, maxMessages: capacity, messageSize: 64 });
  for (let i = 0; i < capacity; i++) expect(queue.trySend(`fill ${i}`)).toBe(true);
  return queue;
}

/**
 * Largest lateness of a 10 ms interval timer while `body` runs. A wait that blocked the thread
 * would make it as long as the wait; on a loaded machine it is never 0, so each test compares
 * it with the same timer's lateness over a control period of plain sleeping, measured in the
 * same test (`controlDrift`), instead of with a fixed figure.
 */
async function timerDrift(body: () => Promise<void>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  try {
    await body();
  } finally {
    clearInterval(timer);
  }
  return worst;
}

/** The timer's lateness, and the CPU time used, over `ms` of plain sleeping. */
async function control(ms: number): Promise<{ drift: number; cpuMs: number }> {
  const before = process.cpuUsage();
  const drift = await timerDrift(() => sleep(ms));
  const cpu = process.cpuUsage(before);
  return { drift, cpuMs: (cpu.user + cpu.system) / 1000 };
}

describe("a full queue", () => {
  it("trySend() returns false and nothing is queued", async () => {
    const queue = await fullQueue();
    try {
      expect(queue.trySend("one too many")).toBe(false);
      expect(queue.attributes().currentMessages).toBe(3);
    } finally {
      queue.close();
    }
  });

  it("send() waits while full and resumes when a message is taken; the timers keep running meanwhile", async () => {
    const queue = await fullQueue();
    try {
      const WAIT_MS = 300;
      const baseline = await control(WAIT_MS);
      const drift = await timerDrift(async () => {
        let resolved = 0;
        const waiting = [queue.send("w1"), queue.send("w2", { priority: 1 })].map((p) =>
          p.then(() => resolved++),
        );
        await sleep(WAIT_MS);
        expect(resolved).toBe(0); // still full: both sends wait
        expect(queue.tryReceive()?.data.toString()).toBe("fill 0");
        await waiting[0];
        expect(resolved).toBe(1); // one slot, one send resumed, in call order
        expect(queue.tryReceive()?.data.toString()).toBe("fill 1");
        await Promise.all(waiting);
        expect(queue.attributes().currentMessages).toBe(3);
      });
      // A send that blocked the thread while full would delay the timer by the whole wait.
      expect(
        drift,
        `timer lateness ${drift.toFixed(0)} ms, ${baseline.drift.toFixed(0)} ms when idle`,
      ).toBeLessThan(baseline.drift + WAIT_MS / 2);
    } finally {
      queue.close();
    }
  });

  it("send({ timeoutMs }) gives TimeoutError and the message is not queued; the loop keeps running", async () => {
    const queue = await fullQueue();
    try {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = performance.now();
      await expect(queue.send("late", { timeoutMs: 200 })).rejects.toBeInstanceOf(TimeoutError);
      const elapsed = performance.now() - started;
      clearInterval(ticker);
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(1000);
      expect(ticks).toBeGreaterThan(10);
      expect(queue.attributes().currentMessages).toBe(3);
      await expect(queue.send("now", { timeoutMs: 0 })).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      queue.close();
    }
  });

  it("send({ signal }) gives AbortError when aborted while waiting, and at once if already aborted", async () => {
    const queue = await fullQueue();
    try {
      const controller = new AbortController();
      const sending = queue.send("never", { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(sending).rejects.toBeInstanceOf(AbortError);
      await expect(queue.send("never", { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
      expect(queue.attributes().currentMessages).toBe(3);
    } finally {
      queue.close();
    }
  });

  it("close() rejects waiting sends with ClosedError", async () => {
    const queue = await fullQueue();
    const sending = queue.send("pending");
    queue.close();
    await expect(sending).rejects.toBeInstanceOf(ClosedError);
  });
});

describe("an empty queue", () => {
  it("receive() waits without blocking the loop or burning CPU, and wakes when a message comes", async () => {
    const name = queues.name();
    const consumer = await MessageQueue.open(name, { create: true, maxMessages: 10, messageSize: 64 });
    const producer = await MessageQueue.open(name, { access: "write" });
    try {
      const WAIT_MS = 500;
      const baseline = await control(WAIT_MS);
      const cpuBefore = process.cpuUsage();
      let message: { data: Buffer } | undefined;
      const drift = await timerDrift(async () => {
        const receiving = consumer.receive().then((m) => {
          message = m;
        });
        await sleep(WAIT_MS);
        expect(message).toBeUndefined();
        await producer.send("wake up");
        await receiving;
      });
      const cpu = process.cpuUsage(cpuBefore);
      expect(message?.data.toString()).toBe("wake up");
      const cpuMs = (cpu.user + cpu.system) / 1000;
      // Blocking would delay the timer by the whole wait; polling would burn CPU for all of it.
      expect(
        drift,
        `timer lateness ${drift.toFixed(0)} ms, ${baseline.drift.toFixed(0)} ms when idle`,
      ).toBeLessThan(baseline.drift + WAIT_MS / 2);
      // The 10 ms timer costs a little, as it does when idle; the wait itself costs nothing.
      expect(
        cpuMs,
        `CPU ${cpuMs.toFixed(0)} ms while waiting, ${baseline.cpuMs.toFixed(0)} ms when idle`,
      ).toBeLessThan(2 * baseline.cpuMs + 50);
    } finally {
      consumer.close();
      producer.close();
    }
  });

  it("tryReceive() is undefined; receive({ timeoutMs }) is TimeoutError; an aborted receive is AbortError", async () => {
    const queue = await MessageQueue.open(queues.name(), { create: true, maxMessages: 2, messageSize: 8 });
    try {
      expect(queue.tryReceive()).toBeUndefined();
      await expect(queue.receive({ timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);
      await expect(queue.receive({ signal: AbortSignal.timeout(30) })).rejects.toBeInstanceOf(AbortError);
      await expect(queue.receiveMany(5, { timeoutMs: 20 })).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      queue.close();
    }
  });

  it("every waiting receiver is served on one wake-up, each with one message, in call order", async () => {
    const name = queues.name();
    const consumer = await MessageQueue.open(name, { create: true, maxMessages: 10, messageSize: 16 });
    const producer = await MessageQueue.open(name, { access: "write" });
    try {
      const receiving = Promise.all([consumer.receive(), consumer.receive(), consumer.receive()]);
      await sleep(20);
      await producer.sendMany(["1", "2", "3", "4"]);
      const got = await receiving;
      expect(got.map((m) => m.data.toString())).toEqual(["1", "2", "3"]);
      // At-most-once: nothing beyond what was asked for left the kernel.
      expect(consumer.attributes().currentMessages).toBe(1);
    } finally {
      consumer.close();
      producer.close();
    }
  });

  it("receiveMany(max) takes at most max of the waiting messages, and waits for the first", async () => {
    const name = queues.name();
    const queue = await MessageQueue.open(name, { create: true, maxMessages: 10, messageSize: 16 });
    try {
      const first = queue.receiveMany(4);
      await sleep(20);
      queue.trySend("a");
      expect((await first).map((m) => m.data.toString())).toEqual(["a"]);
      await queue.sendMany(["b", "c", "d", "e", "f", "g"]);
      expect((await queue.receiveMany(4)).map((m) => m.data.toString())).toEqual(["b", "c", "d", "e"]);
      expect(queue.attributes().currentMessages).toBe(2);
    } finally {
      queue.close();
    }
  });

  it("sendMany() waits through a full queue and across native batches, in order; received data are Buffers", async () => {
    const name = queues.name();
    const consumer = await MessageQueue.open(name, { create: true, maxMessages: 10, messageSize: 16 });
    const producer = await MessageQueue.open(name, { access: "write" });
    try {
      const total = 600; // 60 queues' worth, and more than one native call takes (256)
      const sent = Array.from({ length: total }, (_, i) => `m${i}`);
      const received: string[] = [];
      const receiving = (async () => {
        while (received.length < total) {
          for (const m of await consumer.receiveMany(7)) {
            expect(Buffer.isBuffer(m.data)).toBe(true);
            expect(Buffer.isBuffer(m.data.subarray(1))).toBe(true);
            received.push(m.data.toString());
          }
        }
      })();
      await producer.sendMany(sent.slice(0, 300));
      await producer.sendMany(sent.slice(300), { timeoutMs: 5000 }); // the path with options
      await receiving;
      expect(received).toEqual(sent);
    } finally {
      consumer.close();
      producer.close();
    }
  });

  it("an open queue with nobody waiting does not keep the process alive", async () => {
    const { spawnScript } = await import("@ipc-atlas/core");
    const name = queues.name();
    const child = spawnScript(new URL("./fixtures/idle-exit.ts", import.meta.url), {
      args: [name],
      stdio: "pipe",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const code = await child.exited;
    clearTimeout(timer);
    expect(child.output()).toContain("done");
    expect(code).toBe(0);
  });
});
