/**
 * The callers of MessageQueue that wait: a send while the queue is full, a receive while it is
 * empty. They are not a queue of items: what they wait for is in the kernel, and a wake-up
 * takes from it only as many messages as the first waiters ask for, so nothing is taken for a
 * receive that has already given up (a message taken from the kernel and handed to nobody would
 * be lost). So each waiter carries its own demand, timeout and abort signal, and one that gives
 * up is marked settled and skipped, not searched for and removed.
 */

import { AbortError, TimeoutError } from "@ipc-atlas/core";
import type { ReceivedMessage } from "./options.ts";

export interface Waiter {
  settled: boolean;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export interface SendWaiter extends Waiter {
  data: Uint8Array;
  priority: number;
  resolve(): void;
}

export type Received = ReceivedMessage | ReceivedMessage[] | IteratorResult<ReceivedMessage>;

export interface ReceiveWaiter extends Waiter {
  /**
   * 0 for receive() (resolves with one message), ITERATOR_STEP for an iterator step (resolves
   * with an iterator result, and with DONE on close()), else receiveMany(max) (up to max).
   */
  max: number;
  resolve(value: Received): void;
}

export const ITERATOR_STEP = -1;
/** The end of an iteration, shared (frozen) rather than made per step; the variant uses it too. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A FIFO of waiters with O(1) removal from the head; cancelled waiters are skipped lazily. */
export class WaitList<T extends Waiter> {
  #items: T[] = [];
  #head = 0;
  #live = 0;

  get size(): number {
    return this.#live;
  }
  push(item: T): void {
    this.#items.push(item);
    this.#live++;
  }
  /** The first waiter still waiting. */
  peek(): T | undefined {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head]!;
      if (!item.settled) return item;
      this.#head++;
    }
    this.#compact();
    return undefined;
  }
  /** Call when a waiter settles (served, timed out, aborted). */
  settled(): void {
    this.#live--;
    if (this.#live === 0) {
      this.#items = [];
      this.#head = 0;
    }
  }
  drainAll(): T[] {
    const rest = this.#items.slice(this.#head).filter((w) => !w.settled);
    this.#items = [];
    this.#head = 0;
    this.#live = 0;
    return rest;
  }
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * Sets up a waiter's timeout and abort signal: either one rejects it (TimeoutError or
 * AbortError naming `what`), marks it settled in `list`, and then calls `afterGiveUp`.
 */
export function arm(
  waiter: Waiter,
  list: WaitList<Waiter>,
  what: string,
  options: { timeoutMs?: number; signal?: AbortSignal } | undefined,
  afterGiveUp: () => void,
): void {
  const giveUp = (error: Error) => {
    if (waiter.settled) return;
    waiter.settled = true;
    list.settled();
    disarm(waiter);
    waiter.reject(error);
    afterGiveUp();
  };
  if (options?.timeoutMs !== undefined) {
    const timeoutMs = options.timeoutMs;
    waiter.timer = setTimeout(() => giveUp(new TimeoutError(what, timeoutMs)), timeoutMs);
  }
  if (options?.signal) {
    waiter.onAbort = () => giveUp(new AbortError(what));
    options.signal.addEventListener("abort", waiter.onAbort, { once: true });
  }
}

/** Marks a waiter settled and lets go of its timer and abort listener. */
export function disarm(waiter: Waiter): void {
  waiter.settled = true;
  if (waiter.timer) clearTimeout(waiter.timer);
  if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
}
