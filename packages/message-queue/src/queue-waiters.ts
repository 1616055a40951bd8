/**
 * How a MessageQueue waits and wakes up. A send that finds the queue full and a receive that
 * finds it empty park here, in call order; a libuv poll handle on the queue descriptor wakes
 * this process when the queue has room or messages, and each wake-up serves every parked
 * caller the queue can serve now (level-triggered: the rest are served on the next one).
 *
 * The handle is armed only while someone is parked: an armed handle is an epoll entry that the
 * kernel calls back on every send and receive of the queue, by any process, and the busy side
 * of a stream pays for it. So the queue carries an entry of ours only while one of our senders
 * or receivers waits, like a blocked mq_send/mq_receive in C. Why, measured:
 * docs/notes/epoll-cost.md.
 */

import { ClosedError } from "@ipc-atlas/core";
import { MessageQueueError, mapErrno } from "./errors.ts";
import { type NativeBinding, READABLE, WRITABLE } from "./native.ts";
import type { ReceiveOptions, SendOptions } from "./options.ts";
import type { ReceiveSlab } from "./receive-slab.ts";
import {
  arm,
  DONE,
  disarm,
  ITERATOR_STEP,
  type Received,
  type ReceiveWaiter,
  type SendWaiter,
  type Waiter,
  WaitList,
} from "./wait-list.ts";

/** One send now: false when the queue is full; an errno becomes a typed error. */
export function sendNow(
  binding: NativeBinding,
  fd: number,
  bytes: Uint8Array,
  priority: number,
  name: string,
): boolean {
  try {
    return binding.send(fd, bytes, priority);
  } catch (error) {
    throw mapErrno(error, `send to message queue ${name}`);
  }
}

export class QueueWaiters {
  /** Sends parked while the queue is full, in call order. */
  readonly senders = new WaitList<SendWaiter>();
  /** Receives (and iterator steps, and receiveMany calls) parked while it is empty, in call order. */
  readonly receivers = new WaitList<ReceiveWaiter>();
  readonly #native: NativeBinding;
  readonly #fd: number;
  readonly #name: string;
  readonly #slab: ReceiveSlab;
  #open = true;
  #poller: object | undefined;
  #pollEvents = 0;

  constructor(binding: NativeBinding, fd: number, name: string, slab: ReceiveSlab) {
    this.#native = binding;
    this.#fd = fd;
    this.#name = name;
    this.#slab = slab;
  }

  /** Parks a send until the queue has room for it (or its timeout or signal gives up). */
  waitToSend(bytes: Uint8Array, priority: number, options: SendOptions | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: SendWaiter = {
        settled: false,
        data: bytes,
        priority,
        resolve,
        reject,
        timer: undefined,
        signal: options?.signal,
        onAbort: undefined,
      };
      if (options !== undefined)
        arm(waiter, this.senders, `send to message queue ${this.#name}`, options, () => this.#updatePoll());
      this.senders.push(waiter);
      this.#updatePoll();
    });
  }

  /**
   * Parks a receive until messages come: `max` 0 resolves with one message, ITERATOR_STEP with
   * an iterator result, else with up to `max` messages (see ReceiveWaiter).
   */
  waitForMessages<T extends Received>(max: number, options: ReceiveOptions | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: ReceiveWaiter = {
        settled: false,
        max,
        resolve: resolve as (value: Received) => void,
        reject,
        timer: undefined,
        signal: options?.signal,
        onAbort: undefined,
      };
      if (options !== undefined)
        arm(waiter, this.receivers, `receive from message queue ${this.#name}`, options, () =>
          this.#updatePoll(),
        );
      this.receivers.push(waiter);
      this.#updatePoll();
    });
  }

  /** Stops the poll handle for good; call before closing the descriptor. */
  stop(): void {
    this.#open = false;
    if (this.#poller) this.#native.pollClose(this.#poller);
    this.#poller = undefined;
  }

  /** After stop(): parked sends and receives fail with ClosedError; parked iterator steps end. */
  endAll(): void {
    const error = new ClosedError(`message queue ${this.#name}`);
    for (const waiter of this.senders.drainAll()) {
      disarm(waiter);
      waiter.reject(error);
    }
    for (const waiter of this.receivers.drainAll()) {
      disarm(waiter);
      // An iterator step ends the iteration; a receive() fails.
      if (waiter.max === ITERATOR_STEP) waiter.resolve(DONE);
      else waiter.reject(error);
    }
  }

  /** Points the poll handle at what the parked callers need, and stops it as soon as nobody waits (see the top). */
  #updatePoll(): void {
    if (!this.#open) return;
    const wanted = (this.senders.size > 0 ? WRITABLE : 0) | (this.receivers.size > 0 ? READABLE : 0);
    if (wanted === this.#pollEvents) return;
    this.#poller ??= this.#native.pollCreate(this.#fd, this.#onPoll);
    this.#native.pollStart(this.#poller, wanted);
    this.#pollEvents = wanted;
  }

  /** A wake-up: serve every waiter the queue can serve now (level-triggered: the rest get the next one). */
  #onPoll = (status: number, events: number): void => {
    if (!this.#open) return;
    if (status < 0) {
      // The descriptor itself failed (not expected for a queue): fail the waiters rather than spin.
      const error = new MessageQueueError(
        "EPOLL",
        `polling message queue ${this.#name} failed (status ${status})`,
      );
      for (const waiter of [...this.senders.drainAll(), ...this.receivers.drainAll()]) {
        disarm(waiter);
        waiter.reject(error);
      }
    } else {
      if (events & WRITABLE) this.#serveSenders();
      if (events & READABLE) this.#serveReceivers();
    }
    this.#updatePoll();
  };

  #serveSenders(): void {
    for (let waiter = this.senders.peek(); waiter && this.#open; waiter = this.senders.peek()) {
      let sent: boolean;
      try {
        sent = sendNow(this.#native, this.#fd, waiter.data, waiter.priority, this.#name);
      } catch (error) {
        settle(waiter, this.senders);
        waiter.reject(error);
        continue;
      }
      if (!sent) return;
      settle(waiter, this.senders);
      waiter.resolve();
    }
  }

  #serveReceivers(): void {
    for (let waiter = this.receivers.peek(); waiter && this.#open; waiter = this.receivers.peek()) {
      let value: Received | undefined;
      try {
        if (waiter.max > 0) {
          const messages = this.#slab.take(waiter.max);
          value = messages.length > 0 ? messages : undefined;
        } else {
          const message = this.#slab.takeOne();
          if (message !== undefined) value = waiter.max === 0 ? message : { done: false, value: message };
        }
      } catch (error) {
        settle(waiter, this.receivers);
        waiter.reject(error);
        continue;
      }
      if (value === undefined) return;
      settle(waiter, this.receivers);
      waiter.resolve(value);
    }
  }
}

function settle(waiter: Waiter, list: WaitList<Waiter>): void {
  disarm(waiter);
  list.settled();
}
