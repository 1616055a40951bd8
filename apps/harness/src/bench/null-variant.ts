/**
 * The `null` row: the bench's own producer and consumer loops with no medium between them.
 * A send hands the message straight to the consumer's iterator in the same process (or
 * queues it, up to CAPACITY, while the consumer is busy); nothing is copied, framed or
 * crossed. Its msg/s is the harness's floor: what any variant's figure would be if the
 * variant cost nothing. Every bench run measures it, so a reader can see how far each row is
 * from the harness itself.
 */

import { ClosedError, type Consumer, type Producer, type Variant } from "@ipc-atlas/core";

const CAPACITY = 64;
const RESOLVED = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

class Handoff {
  #items: Uint8Array[] = [];
  #head = 0;
  #closed = false;
  #reader: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  /** While the queue is full: one promise for every send, settled when half of it is taken. */
  #space: { promise: Promise<void>; resolve: () => void } | undefined;

  put(message: Uint8Array): Promise<void> {
    const reader = this.#reader;
    if (reader) {
      this.#reader = undefined;
      reader({ done: false, value: message });
      return RESOLVED;
    }
    this.#items.push(message);
    if (this.#items.length - this.#head < CAPACITY) return RESOLVED;
    if (!this.#space) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#space = { promise, resolve };
    }
    return this.#space.promise;
  }

  end(): void {
    this.#closed = true;
    this.#space?.resolve();
    this.#reader?.(DONE);
    this.#reader = undefined;
  }

  // A waiting message goes out in one result object and one settled promise, reused: the
  // loop reads the value before it asks for the next one, and the row is meant to cost nothing.
  readonly #result: { done: false; value: Uint8Array } = { done: false, value: new Uint8Array(0) };
  readonly #ready = Promise.resolve(this.#result);

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#head < this.#items.length) {
      this.#result.value = this.#items[this.#head++]!;
      if (this.#head === this.#items.length) {
        this.#items.length = 0;
        this.#head = 0;
      }
      if (this.#space && this.#items.length - this.#head <= CAPACITY / 2) {
        this.#space.resolve();
        this.#space = undefined;
      }
      return this.#ready;
    }
    if (this.#closed) return Promise.resolve(DONE);
    return new Promise((resolve) => (this.#reader = resolve));
  }
}

export const nullVariant: Variant<Handoff> = {
  id: "null",
  taxonomy: {
    scope: "in-process",
    model: "message passing",
    timing: "asynchronous",
    medium: "none: a direct hand-off between the bench's own loops (the harness's floor)",
  },
  summary:
    "No medium: the bench's producer hands each message straight to its consumer (the harness's own cost).",
  module: import.meta.url,
  async open() {
    return { address: new Handoff(), maxMessageSize: null, async close() {} };
  },
  async producer(handoff): Promise<Producer> {
    let closed = false;
    return {
      send(message) {
        if (closed) return Promise.reject(new ClosedError("null producer"));
        return handoff.put(message);
      },
      async close() {
        closed = true;
        handoff.end();
      },
    };
  },
  async consumer(handoff): Promise<Consumer> {
    return {
      [Symbol.asyncIterator]: () => ({ next: () => handoff.next(), return: () => Promise.resolve(DONE) }),
      async close() {},
    };
  },
};
