/**
 * The `null` row: the bench's own producer and consumer loops with no medium between them.
 * A send hands the message straight to the consumer's iterator in the same process (or
 * queues it, up to CAPACITY, while the consumer is busy); nothing is copied, framed or
 * crossed. Its msg/s is the harness's floor: what any variant's figure would be if the
 * variant cost nothing. Every bench run measures it, so a reader can see how far each row is
 * from the harness itself.
 */

import { ClosedError, type Consumer, type Producer, type Variant } from "@ipc-atlas/core";

/**
 * Messages the hand-off holds while the consumer is busy; a power of two (a ring indexed by
 * mask). It holds references, not copies, so it must stay below what the message pool
 * guarantees an in-process medium (64 + 4 × window buffers a turn): with 256 a 64 KiB run,
 * whose pool has 192 buffers, rewrote messages still waiting in the ring.
 */
const CAPACITY = 64;
const RESOLVED = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A ring of message references between the two loops. The producer is told "no room yet" when
 * it is full; a producer that sends anyway (not awaiting) makes the ring grow, so nothing is
 * ever dropped. A fixed ring rather than an array used as a queue: an array that is pushed to
 * while it is read from keeps growing as long as it never empties, and its garbage was most of
 * the row's cost.
 */
class Handoff {
  #ring: (Uint8Array | undefined)[] = new Array(CAPACITY).fill(undefined);
  #mask = CAPACITY - 1;
  /** Messages taken and put so far: the ring holds put - taken of them. */
  #taken = 0;
  #put = 0;
  #closed = false;
  #reader: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  /** While the ring is full: one promise for every send, settled when half of it is taken. */
  #space: { promise: Promise<void>; resolve: () => void } | undefined;

  put(message: Uint8Array): Promise<void> {
    const reader = this.#reader;
    if (reader) {
      this.#reader = undefined;
      reader({ done: false, value: message });
      return RESOLVED;
    }
    if (this.#put - this.#taken > this.#mask) this.#grow();
    this.#ring[this.#put++ & this.#mask] = message;
    if (this.#put - this.#taken < CAPACITY) return RESOLVED;
    if (!this.#space) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#space = { promise, resolve };
    }
    return this.#space.promise;
  }

  #grow(): void {
    const ring = new Array<Uint8Array | undefined>(this.#ring.length * 2).fill(undefined);
    for (let i = this.#taken; i < this.#put; i++) ring[i & (ring.length - 1)] = this.#ring[i & this.#mask];
    this.#ring = ring;
    this.#mask = ring.length - 1;
  }

  end(): void {
    this.#closed = true;
    this.#space?.resolve();
    this.#reader?.(DONE);
    this.#reader = undefined;
  }

  // A waiting message goes out in one result object and one settled promise, reused: the
  // loop reads the value before it asks for the next one, and the row is meant to cost nothing.
  // The bench's consumer loop (settled.ts, eachMessage) knows that promise settled and reads the
  // message without awaiting it, so a ring of waiting messages is drained in one go.
  readonly #result: { done: false; value: Uint8Array } = { done: false, value: new Uint8Array(0) };
  readonly #ready = Promise.resolve(this.#result);

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#taken < this.#put) {
      const slot = this.#taken++ & this.#mask;
      this.#result.value = this.#ring[slot]!;
      this.#ring[slot] = undefined;
      if (this.#space && this.#put - this.#taken <= CAPACITY / 2) {
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
