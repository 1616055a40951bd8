/**
 * MessageQueue: a POSIX message queue (mq_overview(7)) driven by Node's event loop.
 *
 * A queue lives in the kernel, not in a process: messages sent to it wait there, ordered by
 * priority (highest first, FIFO within a priority), until some process receives them or the
 * queue is unlinked (or the machine reboots). Every operation here tries the non-blocking
 * syscall first; only when it would block (queue full for a send, empty for a receive) does the
 * caller wait, and then on a libuv poll handle watching the queue descriptor — no thread
 * blocks and an idle waiter costs no CPU. When nobody waits the handle is stopped, so an open
 * queue never keeps the process alive by itself.
 *
 * At-most-once: a receive removes the message from the kernel. This class never takes more
 * messages than the caller asked for (one per receive()/tryReceive()/iteration step), so a
 * process that dies loses at most the messages it was handed. Reading ahead is opt-in through
 * receiveMany(max), which takes up to `max` messages that are already waiting.
 *
 * Its parts: options.ts (what a caller passes, checked before any syscall), receive-slab.ts
 * (where received messages land), queue-waiters.ts and wait-list.ts (how a caller waits and is
 * woken), errors.ts (every errno as a typed error), native.ts (the addon).
 */

import { AbortError, ClosedError, MessageTooLargeError, TimeoutError } from "@ipc-atlas/core";
import {
  InvalidOptionError,
  mapErrno,
  mapOpenError,
  QueueNotFoundError,
  QueuePermissionError,
} from "./errors.ts";
import { MQ_PRIO_MAX, systemLimits } from "./limits.ts";
import { type NativeBinding, native } from "./native.ts";
import {
  ACCESS_CODES,
  type MessageQueueOpenOptions,
  type QueueAttributes,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendOptions,
  toBytes,
  validateCount,
  validateModeAndAccess,
  validatePriority,
  validateQueueName,
  validateTimeout,
} from "./options.ts";
import { QueueWaiters, sendNow } from "./queue-waiters.ts";
import { ReceiveSlab } from "./receive-slab.ts";
import { DONE, ITERATOR_STEP, type ReceiveWaiter, type SendWaiter, type WaitList } from "./wait-list.ts";

/** The most messages one native sendMany call takes (SEND_MANY_MAX in native/posix_mq.c). */
const SEND_MANY_MAX = 256;
const RESOLVED: Promise<void> = Promise.resolve();

export class MessageQueue implements AsyncIterable<ReceivedMessage> {
  /** The queue's name, like "/orders". */
  readonly name: string;
  /** The queue's real capacity, read from the kernel at open (it may have been made by someone else). */
  readonly maxMessages: number;
  /** The queue's real largest message, read from the kernel at open. */
  readonly messageSize: number;
  /** True when this open created the queue. */
  readonly created: boolean;

  #native: NativeBinding;
  #fd: number;
  #slab: ReceiveSlab;
  #waiters: QueueWaiters;
  /** The parked sends and receives (this.#waiters.senders and .receivers), kept at hand for the hot paths. */
  #senders: WaitList<SendWaiter>;
  #receivers: WaitList<ReceiveWaiter>;
  #attrs = new Uint32Array(3);

  private constructor(binding: NativeBinding, name: string, fd: number, created: boolean) {
    this.#native = binding;
    this.name = name;
    this.#fd = fd;
    this.created = created;
    binding.getattr(fd, this.#attrs);
    this.maxMessages = this.#attrs[0]!;
    this.messageSize = this.#attrs[1]!;
    this.#slab = new ReceiveSlab(binding, fd, this.messageSize, name);
    this.#waiters = new QueueWaiters(binding, fd, name, this.#slab);
    this.#senders = this.#waiters.senders;
    this.#receivers = this.#waiters.receivers;
  }

  /**
   * Opens (and with `create`, creates) the queue called `name`: one leading slash, then 1 to
   * 255 bytes without a slash.
   */
  static async open(name: string, options: MessageQueueOpenOptions = {}): Promise<MessageQueue> {
    return MessageQueue.openSync(name, options);
  }

  /** open() without the promise: mq_open never blocks, so this is safe on the event loop. */
  static openSync(name: string, options: MessageQueueOpenOptions = {}): MessageQueue {
    validateQueueName(name);
    const create = options.create === true || options.exclusive === true;
    const exclusive = options.exclusive === true;
    const mode = options.mode ?? 0o600;
    const access = options.access ?? "readwrite";
    validateModeAndAccess(mode, access);
    validateCount("maxMessages", options.maxMessages);
    validateCount("messageSize", options.messageSize);
    let attrs: [number, number] | null = null;
    if (create && (options.maxMessages !== undefined || options.messageSize !== undefined)) {
      // mq_open takes both or neither; fill the missing one with the system default.
      const limits = systemLimits();
      attrs = [
        options.maxMessages ?? limits.msgDefault ?? 10,
        options.messageSize ?? limits.msgsizeDefault ?? 8192,
      ];
    }
    const binding = native();
    let fd: number;
    let created: boolean;
    try {
      [fd, created] = binding.open(
        name,
        create,
        exclusive,
        ACCESS_CODES[access],
        mode,
        attrs?.[0] ?? 0,
        attrs?.[1] ?? 0,
      );
    } catch (error) {
      throw mapOpenError(error, name, access, attrs);
    }
    return new MessageQueue(binding, name, fd, created);
  }

  /** Removes the queue's name. Processes that have it open keep using it until they close it. Resolves false when there was no such queue. */
  static async unlink(name: string): Promise<boolean> {
    return MessageQueue.unlinkSync(name);
  }

  static unlinkSync(name: string): boolean {
    validateQueueName(name);
    try {
      return native().unlink(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EACCES" || code === "EPERM") throw new QueuePermissionError(name, "unlink");
      throw mapErrno(error, `unlinking message queue ${name}`);
    }
  }

  /** True while the queue exists (opens it without create, read-only, and closes it). */
  static exists(name: string): boolean {
    try {
      MessageQueue.openSync(name, { access: "read" }).close();
      return true;
    } catch (error) {
      if (error instanceof QueueNotFoundError) return false;
      throw error;
    }
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** The queue descriptor (on Linux an ordinary file descriptor: fstat shows its mode), -1 after close(). */
  get fd(): number {
    return this.#fd;
  }

  /** The queue's attributes as the kernel reports them now. */
  attributes(): QueueAttributes {
    this.#assertOpen("attributes()");
    this.#native.getattr(this.#fd, this.#attrs);
    return { maxMessages: this.#attrs[0]!, messageSize: this.#attrs[1]!, currentMessages: this.#attrs[2]! };
  }

  /**
   * Sends one message. Resolves when the kernel has queued it; while the queue is full it
   * waits (on the event loop, no thread blocks) until there is room, the timeout passes
   * (TimeoutError) or the signal aborts (AbortError). Sends made without awaiting each other
   * enter the queue in call order.
   */
  send(data: Uint8Array | string, options?: SendOptions): Promise<void> {
    // The hot path: bytes that fit, no options but a valid priority, nobody waiting ahead,
    // room in the queue. One crossing into native code and an already-resolved promise;
    // nothing allocated.
    const hotPriority =
      options === undefined
        ? 0
        : options.timeoutMs === undefined &&
            options.signal === undefined &&
            Number.isInteger(options.priority) &&
            options.priority! >= 0 &&
            options.priority! < MQ_PRIO_MAX
          ? options.priority!
          : -1;
    if (
      hotPriority >= 0 &&
      typeof data === "object" &&
      data !== null &&
      this.#fd >= 0 &&
      this.#senders.size === 0
    ) {
      if (data.byteLength <= this.messageSize) {
        let sent: boolean;
        try {
          sent = this.#native.send(this.#fd, data, hotPriority);
        } catch (error) {
          return Promise.reject(mapErrno(error, `send to message queue ${this.name}`));
        }
        // Full: wait for room without trying again first (we just saw EAGAIN).
        return sent ? RESOLVED : this.#waiters.waitToSend(data, hotPriority, undefined);
      }
    }
    const bytes = toBytes(data);
    const priority = options?.priority ?? 0;
    try {
      this.#assertOpen("send()");
      this.#checkSend(bytes, priority);
      validateTimeout(options?.timeoutMs);
      if (options?.signal?.aborted) throw new AbortError(`send to message queue ${this.name}`);
      if (this.#senders.size === 0 && this.#trySendNow(bytes, priority)) return RESOLVED;
      if (options?.timeoutMs === 0) throw new TimeoutError(`send to message queue ${this.name}`, 0);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#waiters.waitToSend(bytes, priority, options);
  }

  /** Sends now or not at all: false when the queue is full. */
  trySend(data: Uint8Array | string, options?: { priority?: number }): boolean {
    const bytes = toBytes(data);
    const priority = options?.priority ?? 0;
    this.#assertOpen("trySend()");
    this.#checkSend(bytes, priority);
    // Waiting senders were first; a non-blocking send does not jump ahead of them.
    if (this.#senders.size > 0) return false;
    return this.#trySendNow(bytes, priority);
  }

  /**
   * Sends several messages in order with one priority, as few crossings into native code as
   * the queue's room allows. Resolves when all are queued; waits like send() when full.
   */
  async sendMany(messages: readonly (Uint8Array | string)[], options?: SendOptions): Promise<void> {
    const list = messages.map(toBytes);
    const priority = options?.priority ?? 0;
    this.#assertOpen("sendMany()");
    for (const m of list) this.#checkSend(m, priority);
    let next = 0;
    while (next < list.length) {
      if (this.#senders.size === 0) {
        // Passed as arguments (see posix_mq.c), at most a queue's worth per crossing: more
        // rarely fit, and a batch that stops at a full queue is copied again for the next try.
        const end = Math.min(list.length, next + Math.min(SEND_MANY_MAX, this.maxMessages));
        this.#assertOpen("sendMany()");
        let sent: number;
        try {
          sent = this.#native.sendMany(
            this.#fd,
            priority,
            ...(next === 0 && end === list.length ? list : list.slice(next, end)),
          );
        } catch (error) {
          throw mapErrno(error, `send to message queue ${this.name}`);
        }
        next += sent;
        if (next === end) continue; // all of this chunk went out: the next chunk, if any
        if (options === undefined) {
          // Full, as the kernel just said: wait for room with the next message (no second
          // try first), then batch again.
          await this.#waiters.waitToSend(list[next]!, priority, undefined);
          next++;
          continue;
        }
      }
      // Others wait ahead, or options to honour: the ordinary path, one message.
      await this.send(list[next]!, options);
      next++;
    }
  }

  /**
   * Receives one message, highest priority first. Waits while the queue is empty, until a
   * message comes, the timeout passes (TimeoutError) or the signal aborts (AbortError).
   */
  receive(options?: ReceiveOptions): Promise<ReceivedMessage> {
    // The hot path: no options, nobody waiting ahead. One crossing into native code; when the
    // queue is empty, straight to waiting (no second attempt).
    if (options === undefined && this.#fd >= 0 && this.#receivers.size === 0) {
      let message: ReceivedMessage | undefined;
      try {
        message = this.#slab.takeOne();
      } catch (error) {
        return Promise.reject(error);
      }
      return message !== undefined
        ? Promise.resolve(message)
        : this.#waiters.waitForMessages<ReceivedMessage>(0, undefined);
    }
    try {
      this.#assertOpen("receive()");
      validateTimeout(options?.timeoutMs);
      if (options?.signal?.aborted) throw new AbortError(`receive from message queue ${this.name}`);
      if (this.#receivers.size === 0) {
        const message = this.#slab.takeOne();
        if (message) return Promise.resolve(message);
      }
      if (options?.timeoutMs === 0) throw new TimeoutError(`receive from message queue ${this.name}`, 0);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#waiters.waitForMessages<ReceivedMessage>(0, options);
  }

  /** Receives one message if one is waiting now; undefined when the queue is empty. */
  tryReceive(): ReceivedMessage | undefined {
    this.#assertOpen("tryReceive()");
    // Receivers that already wait were first.
    if (this.#receivers.size > 0) return undefined;
    return this.#slab.takeOne();
  }

  /**
   * Opt-in read-ahead: waits until at least one message is there, then takes up to `max` of
   * the messages already waiting, in one crossing into native code. Messages taken are gone
   * from the kernel: if this process dies before handling them, they are lost.
   */
  receiveMany(max: number, options?: ReceiveOptions): Promise<ReceivedMessage[]> {
    try {
      this.#assertOpen("receiveMany()");
      if (!Number.isInteger(max) || max < 1) {
        throw new InvalidOptionError("max", max, "receiveMany(max) takes a whole number, at least 1");
      }
      validateTimeout(options?.timeoutMs);
      if (options?.signal?.aborted) throw new AbortError(`receive from message queue ${this.name}`);
      if (this.#receivers.size === 0) {
        const messages = this.#slab.take(max);
        if (messages.length > 0) return Promise.resolve(messages);
      }
      if (options?.timeoutMs === 0) throw new TimeoutError(`receive from message queue ${this.name}`, 0);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#waiters.waitForMessages<ReceivedMessage[]>(max, options);
  }

  /**
   * Receives messages one at a time until the queue handle is closed: one message taken from
   * the kernel per step, never ahead. A hand-written iterator (not an async generator), so a
   * step that finds a message waiting costs one native call, one promise and one result object.
   */
  [Symbol.asyncIterator](): AsyncIterator<ReceivedMessage> {
    return { next: () => this.#next(), return: () => Promise.resolve(DONE) };
  }

  /** One step of the iterator: receive() that ends the iteration (instead of failing) on close(). */
  #next(): Promise<IteratorResult<ReceivedMessage>> {
    if (this.#fd < 0) return Promise.resolve(DONE);
    if (this.#receivers.size === 0) {
      let message: ReceivedMessage | undefined;
      try {
        message = this.#slab.takeOne();
      } catch (error) {
        return Promise.reject(error);
      }
      if (message !== undefined) return Promise.resolve({ done: false, value: message });
    }
    return this.#waiters.waitForMessages<IteratorResult<ReceivedMessage>>(ITERATOR_STEP, undefined);
  }

  /**
   * Closes this handle (not the queue: it stays in the kernel until unlinked). Pending sends
   * and receives reject with ClosedError. Idempotent.
   */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    this.#waiters.stop();
    this.#native.close(fd);
    this.#waiters.endAll();
  }

  // ---- internals ------------------------------------------------------------------------

  #assertOpen(what: string): void {
    if (this.#fd < 0) throw new ClosedError(`message queue ${this.name} (${what})`);
  }

  #checkSend(bytes: Uint8Array, priority: number): void {
    if (bytes.byteLength > this.messageSize) {
      throw new MessageTooLargeError(bytes.byteLength, this.messageSize, `message queue ${this.name}`);
    }
    if (priority !== 0) validatePriority(priority);
  }

  #trySendNow(bytes: Uint8Array, priority: number): boolean {
    return sendNow(this.#native, this.#fd, bytes, priority, this.name);
  }
}
