/**
 * A Go-style channel for one JavaScript process: `Channel<T>` with capacity N (buffered) or 0
 * (unbuffered, a rendezvous). Values pass by reference; nothing is copied or serialised.
 *
 * Semantics follow Go's channels, translated to promises:
 * - `send` waits while the buffer is full. With capacity 0 it resolves only once a receiver
 *   has taken the value (the sender and the receiver meet).
 * - `receive` resolves `{ value, ok: true }`, or `{ value: undefined, ok: false }` once the
 *   channel is closed and drained — Go's `v, ok := <-ch`.
 * - `close` lets receivers drain what is buffered and then end; senders still waiting and
 *   any later `send` reject with ClosedError (where Go panics).
 * - `trySend` / `tryReceive` never wait: Go's `select` with a `default` branch.
 * - Waits take an AbortSignal; an aborted send leaves nothing behind in the channel.
 *
 * Costs: the buffer is a fixed ring of `capacity` slots, waiters sit in linked lists so an
 * aborted waiter is unlinked in O(1), and no operation starts a timer.
 *
 * Why not core's AsyncQueue, which other consumers use for their items and waiting takers: a
 * channel is a different structure. Its buffer is bounded (a full one parks senders, with their
 * values, as well as receivers), capacity 0 is a rendezvous where nothing is ever buffered, and
 * an aborted send or receive must leave its queue at once without its value being delivered.
 * AsyncQueue buffers without bound, parks only takers, and has no way to withdraw one.
 */

import { AbortError, ClosedError } from "@ipc-atlas/core";

/** The outcome of a receive: a value, or `ok: false` once the channel is closed and drained. */
export type ReceiveResult<T> = { value: T; ok: true } | { value: undefined; ok: false };

export interface WaitOptions {
  /** Gives up the wait: the promise rejects with AbortError and the channel is left as it was. */
  signal?: AbortSignal | undefined;
}

const CLOSED_RESULT: ReceiveResult<never> = Object.freeze({ value: undefined, ok: false });

/** A waiting sender or receiver, linked into its queue so that abort can unlink it in O(1). */
interface Waiter<R> {
  resolve(result: R): void;
  reject(error: Error): void;
  prev: Waiter<R> | undefined;
  next: Waiter<R> | undefined;
  /** Removes the abort listener once the wait is over. */
  release: (() => void) | undefined;
}
interface SendWaiter<T> extends Waiter<void> {
  value: T;
}
type ReceiveWaiter<T> = Waiter<ReceiveResult<T>>;

class WaitList<W extends Waiter<never> | Waiter<unknown>> {
  head: W | undefined;
  tail: W | undefined;
  size = 0;

  push(waiter: W): void {
    waiter.prev = this.tail;
    waiter.next = undefined;
    if (this.tail) this.tail.next = waiter;
    else this.head = waiter;
    this.tail = waiter;
    this.size++;
  }

  shift(): W | undefined {
    const waiter = this.head;
    if (waiter) this.remove(waiter);
    return waiter;
  }

  remove(waiter: W): void {
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.head = waiter.next as W | undefined;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.tail = waiter.prev as W | undefined;
    waiter.prev = waiter.next = undefined;
    this.size--;
  }
}

export class Channel<T> implements AsyncIterable<T> {
  /** How many values the channel holds without a receiver (Go's `cap(ch)`); 0 is a rendezvous. */
  readonly capacity: number;
  readonly #ring: Array<T | undefined>;
  #head = 0;
  #length = 0;
  #closed = false;
  readonly #senders = new WaitList<SendWaiter<T>>();
  readonly #receivers = new WaitList<ReceiveWaiter<T>>();

  constructor(capacity = 0) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`channel capacity must be a whole number ≥ 0, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#ring = new Array<T | undefined>(capacity);
  }

  /** Values waiting in the buffer (Go's `len(ch)`); always 0 for an unbuffered channel. */
  get length(): number {
    return this.#length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Senders parked because the buffer is full (or, unbuffered, because no receiver is there). */
  get waitingSenders(): number {
    return this.#senders.size;
  }

  /** Receivers parked because nothing is buffered. */
  get waitingReceivers(): number {
    return this.#receivers.size;
  }

  /** The buffered values, oldest first, without taking them (for demos and debugging). */
  peekBuffered(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#length; i++) out.push(this.#ring[(this.#head + i) % this.capacity] as T);
    return out;
  }

  /**
   * Sends a value. Resolves once it is in the buffer or, for capacity 0, once a receiver took
   * it. Rejects with ClosedError if the channel is or becomes closed before the value is
   * taken, and with AbortError when `signal` aborts first (the value is then not sent).
   */
  send(value: T, options: WaitOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError("send on a channel", signal));
    if (this.#closed) return Promise.reject(new ClosedError("the channel"));
    if (this.#offer(value)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: SendWaiter<T> = {
        value,
        resolve,
        reject,
        prev: undefined,
        next: undefined,
        release: undefined,
      };
      this.#senders.push(waiter);
      if (signal) {
        // Unlinking the waiter is what guarantees the value never reaches a receiver.
        waiter.release = onAbort(signal, () => {
          this.#senders.remove(waiter);
          reject(abortError("send on a channel", signal));
        });
      }
    });
  }

  /** Sends without waiting: true if the value was buffered or handed to a waiting receiver. */
  trySend(value: T): boolean {
    if (this.#closed) throw new ClosedError("the channel");
    return this.#offer(value);
  }

  /**
   * Receives the next value; `{ ok: false }` once the channel is closed and drained. Rejects
   * with AbortError when `signal` aborts while waiting (nothing is taken then).
   */
  receive(options: WaitOptions = {}): Promise<ReceiveResult<T>> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError("receive from a channel", signal));
    const ready = this.tryReceive();
    if (ready) return Promise.resolve(ready);
    return new Promise<ReceiveResult<T>>((resolve, reject) => {
      const waiter: ReceiveWaiter<T> = {
        resolve,
        reject,
        prev: undefined,
        next: undefined,
        release: undefined,
      };
      this.#receivers.push(waiter);
      if (signal) {
        waiter.release = onAbort(signal, () => {
          this.#receivers.remove(waiter);
          reject(abortError("receive from a channel", signal));
        });
      }
    });
  }

  /**
   * Receives without waiting: a value, `{ ok: false }` when closed and drained, or undefined
   * when receiving would have to wait (Go's `default` branch).
   */
  tryReceive(): ReceiveResult<T> | undefined {
    if (this.#length > 0) {
      const value = this.#ring[this.#head] as T;
      this.#ring[this.#head] = undefined; // let the value be collected once the receiver drops it
      this.#head = (this.#head + 1) % this.capacity;
      this.#length--;
      // A slot opened: the longest-waiting sender moves its value into the buffer and goes on.
      const sender = this.#senders.shift();
      if (sender) {
        this.#ring[(this.#head + this.#length) % this.capacity] = sender.value;
        this.#length++;
        settle(sender, undefined);
      }
      return { value, ok: true };
    }
    // Unbuffered (or a full buffer of size 0): take straight from a waiting sender.
    const sender = this.#senders.shift();
    if (sender) {
      settle(sender, undefined);
      return { value: sender.value, ok: true };
    }
    return this.#closed ? CLOSED_RESULT : undefined;
  }

  /**
   * Closes the channel: buffered values can still be received, then receivers get `ok: false`.
   * Senders still waiting reject with ClosedError. Closing twice is a no-op (Go panics).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Receivers only wait on an empty buffer, so there is nothing left for them.
    for (let r = this.#receivers.shift(); r; r = this.#receivers.shift()) settle(r, CLOSED_RESULT);
    for (let s = this.#senders.shift(); s; s = this.#senders.shift()) {
      s.release?.();
      s.reject(new ClosedError("the channel"));
    }
  }

  /** Iterates until the channel is closed and drained, like Go's `for v := range ch`. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const result = await this.receive();
      if (!result.ok) return;
      yield result.value;
    }
  }

  /** Delivers to a waiting receiver or into a free slot; false when the sender must wait. */
  #offer(value: T): boolean {
    const receiver = this.#receivers.shift();
    if (receiver) {
      settle(receiver, { value, ok: true });
      return true;
    }
    if (this.#length < this.capacity) {
      this.#ring[(this.#head + this.#length) % this.capacity] = value;
      this.#length++;
      return true;
    }
    return false;
  }
}

function settle<R>(waiter: Waiter<R>, result: R): void {
  waiter.release?.();
  waiter.resolve(result);
}

function onAbort(signal: AbortSignal, handler: () => void): () => void {
  signal.addEventListener("abort", handler, { once: true });
  return () => signal.removeEventListener("abort", handler);
}

function abortError(what: string, signal: AbortSignal): AbortError {
  const error = new AbortError(what);
  (error as { cause?: unknown }).cause = signal.reason;
  return error;
}
