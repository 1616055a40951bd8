import { describe, expect, it } from "vitest";
import { AsyncQueue, ClosedError } from "../src/index.ts";

describe("AsyncQueue", () => {
  it("hands items to parked takers in order, and buffers when nobody waits", async () => {
    const queue = new AsyncQueue<number>();
    const first = queue.next();
    const second = queue.next();
    expect(queue.waiting).toBe(2);
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(await first).toEqual({ done: false, value: 1 });
    expect(await second).toEqual({ done: false, value: 2 });
    expect(queue.length).toBe(1);
    expect(queue.shift()).toBe(3);
    expect(queue.shift()).toBeUndefined();
  });

  it("delivers the end after the buffered items, and refuses pushes after it", async () => {
    const queue = new AsyncQueue<string>();
    queue.push("a");
    queue.push("b");
    queue.end();
    expect(() => queue.push("c")).toThrow(ClosedError);
    const seen: string[] = [];
    for await (const item of queue) seen.push(item);
    expect(seen).toEqual(["a", "b"]);
    expect(queue.settled).toBe(true);
  });

  it("delivers an error after the buffered items, to every taker", async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    const broken = new Error("peer gone");
    queue.fail(broken);
    queue.fail(new Error("second error is ignored"));
    expect(await queue.next()).toEqual({ done: false, value: 1 });
    await expect(queue.next()).rejects.toBe(broken);
    await expect(queue.next()).rejects.toBe(broken);
  });

  it("ends parked takers at once on close, dropping what is buffered", async () => {
    const parked = new AsyncQueue<number>();
    const pending = parked.next();
    parked.close();
    expect(await pending).toEqual({ done: true, value: undefined });

    const buffered = new AsyncQueue<number>();
    buffered.push(1);
    buffered.close();
    expect(buffered.length).toBe(0);
    expect(await buffered.next()).toEqual({ done: true, value: undefined });
  });

  it("a break out of for-await closes the queue", async () => {
    const queue = new AsyncQueue<number>();
    for (let i = 0; i < 5; i++) queue.push(i);
    for await (const item of queue) if (item === 1) break;
    expect(queue.settled).toBe(true);
    expect(queue.length).toBe(0);
  });

  it("stays FIFO across its compaction (many items taken from the front)", async () => {
    const queue = new AsyncQueue<number>();
    for (let i = 0; i < 5000; i++) queue.push(i);
    const taken: (number | undefined)[] = [];
    for (let i = 0; i < 3000; i++) taken.push(queue.shift());
    for (let i = 5000; i < 6000; i++) queue.push(i);
    for (let i = 3000; i < 6000; i++) taken.push((await queue.next()).value);
    expect(taken).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    expect(queue.length).toBe(0);
  });
});
