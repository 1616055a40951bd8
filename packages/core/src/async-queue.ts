/**
 * A queue of items with parked takers: what every consumer that receives on one side and is
 * iterated on the other needs. A message that arrives while nobody is waiting is buffered; a
 * taker that asks while the queue is empty parks until an item, the end or an error comes.
 * The end and an error are delivered after the items buffered before them, so a consumer sees
 * every message its medium handed over before it learns that the stream ended or broke.
 *
 * Why not an array and a list of resolvers in each consumer: five consumers wrote that, and they
 * disagreed on what happens to parked takers at close. Here the rule is written once: `close()`
 * drops what is buffered and ends every parked taker; `end()` and `fail()` let the buffer drain.
 * The buffer is an array read from a moving head (compacted once half of it is spent), so taking
 * from the front costs O(1) where `Array.prototype.shift` copies. (A library such as denque does
 * the same; core keeps no runtime dependencies, so that the published queue installs alone.)
 */

import { ClosedError } from "./errors.ts";

/** First-in first-out storage: O(1) at both ends, amortised. */
class Fifo<T> {
  #slots: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#slots.length - this.#head;
  }

  push(item: T): void {
    this.#slots.push(item);
  }

  shift(): T | undefined {
    if (this.#head === this.#slots.length) return undefined;
    const item = this.#slots[this.#head];
    this.#slots[this.#head++] = undefined; // let the item be collected
    if (this.#head === this.#slots.length) {
      this.#slots = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  clear(): void {
    this.#slots = [];
    this.#head = 0;
  }
}

interface Taker<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items = new Fifo<T>();
  readonly #takers = new Fifo<Taker<T>>();
  #state: "open" | "ended" | "failed" | "closed" = "open";
  #error: unknown;

  /** Items buffered, not yet taken. */
  get length(): number {
    return this.#items.length;
  }

  /** Takers parked in `next()`, waiting for an item. */
  get waiting(): number {
    return this.#takers.length;
  }

  /** True once `end()`, `fail()` or `close()` was called: no item can be pushed any more. */
  get settled(): boolean {
    return this.#state !== "open";
  }

  /** Hands `item` to the oldest parked taker, or buffers it. */
  push(item: T): void {
    if (this.#state !== "open") throw new ClosedError("this queue");
    const taker = this.#takers.shift();
    if (taker) taker.resolve({ done: false, value: item });
    else this.#items.push(item);
  }

  /** A buffered item now, or undefined when none is buffered (never waits). */
  shift(): T | undefined {
    return this.#items.shift();
  }

  /** The next item; done once ended (or closed) and drained; rejects with fail()'s error once drained. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#items.length > 0) return Promise.resolve({ done: false, value: this.#items.shift() as T });
    if (this.#state === "failed") return Promise.reject(this.#error);
    if (this.#state !== "open") return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.#takers.push({ resolve, reject }));
  }

  /** No more items: parked takers end now, later ones once the buffer is drained. */
  end(): void {
    if (this.#state !== "open") return;
    this.#state = "ended";
    this.#settleTakers();
  }

  /** The stream broke: takers get `error` once the buffer is drained. The first call wins. */
  fail(error: unknown): void {
    if (this.#state !== "open") return;
    this.#state = "failed";
    this.#error = error;
    this.#settleTakers();
  }

  /** Abandons the queue: drops buffered items and ends every parked taker. Idempotent. */
  close(): void {
    this.#items.clear();
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#settleTakers();
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve(DONE);
      },
    };
  }

  // Only reached with an empty buffer (a parked taker means nothing was buffered).
  #settleTakers(): void {
    for (let taker = this.#takers.shift(); taker; taker = this.#takers.shift()) {
      if (this.#state === "failed") taker.reject(this.#error);
      else taker.resolve(DONE);
    }
  }
}
