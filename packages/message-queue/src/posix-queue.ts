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
 */

import { AbortError, ClosedError, MessageTooLargeError, TimeoutError } from "@ipc-atlas/core";
import {
  InvalidOptionError,
  InvalidQueueNameError,
  MessageQueueError,
  priorityRule,
  QueueAttributesError,
  QueueExistsError,
  QueueLimitError,
  QueueNotFoundError,
  QueuePermissionError,
} from "./errors.ts";
import { MQ_PRIO_MAX, NAME_MAX, systemLimits } from "./limits.ts";
import { type NativeBinding, native, PRIORITY_SHIFT, READABLE, WRITABLE } from "./native.ts";

export type QueueAccess = "read" | "write" | "readwrite";

export interface MessageQueueOpenOptions {
  /** Create the queue if it does not exist. Default false: a missing queue is a QueueNotFoundError. */
  create?: boolean;
  /** Create the queue and fail with QueueExistsError if it already exists. Implies `create`. */
  exclusive?: boolean;
  /** Permission bits of a queue this call creates, applied exactly whatever the umask. Default 0o600. */
  mode?: number;
  /** Capacity of a queue this call creates. Default: /proc/sys/fs/mqueue/msg_default. */
  maxMessages?: number;
  /** Largest message of a queue this call creates, in bytes. Default: /proc/sys/fs/mqueue/msgsize_default. */
  messageSize?: number;
  /** What this handle may do. Default "readwrite". */
  access?: QueueAccess;
}

export interface SendOptions {
  /** 0 to 32767; higher priorities are received first. Default 0. */
  priority?: number;
  /** Give up with TimeoutError when the queue stays full this long. Default: wait forever. */
  timeoutMs?: number;
  /** Give up with AbortError when this signal aborts. */
  signal?: AbortSignal;
}

export interface ReceiveOptions {
  /** Give up with TimeoutError when the queue stays empty this long. Default: wait forever. */
  timeoutMs?: number;
  /** Give up with AbortError when this signal aborts. */
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  data: Buffer;
  priority: number;
}

export interface QueueAttributes {
  /** How many messages the queue holds before a send waits. */
  maxMessages: number;
  /** The largest message the queue carries, in bytes. */
  messageSize: number;
  /** How many messages wait in the queue right now. */
  currentMessages: number;
}

const ACCESS_CODES: Record<QueueAccess, number> = { read: 0, write: 1, readwrite: 2 };
const SLAB_BYTES = 64 * 1024;
/** Above this messageSize a received message is copied out instead of pinning a large slab. */
const SLAB_MESSAGE_LIMIT = 16 * 1024;
const BATCH_MAX = 256;
/** The most messages one native sendMany call takes (SEND_MANY_MAX in native/posix_mq.c). */
const SEND_MANY_MAX = 256;
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Makes a received message's Buffer: a view into the receive slab. Buffer's species is the
 * class Node makes every Buffer view with (its FastBuffer; subarray() uses it too); calling it
 * directly skips Buffer.from's argument checks: about 45 against 75 ns per message here. A
 * Uint8Array subclass of our own with Buffer.prototype spliced in was slower still: V8 kept
 * abandoning its optimization.
 */
const BufferView = (
  Buffer as unknown as { [Symbol.species]: new (b: ArrayBuffer, o: number, l: number) => Buffer }
)[Symbol.species];

/** Checks a queue name the way the kernel would, before any syscall, with a useful message. */
export function validateQueueName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw new InvalidQueueNameError(name, "a name is a string");
  if (name.length === 0) throw new InvalidQueueNameError(name, "the name is empty");
  if (!name.startsWith("/")) throw new InvalidQueueNameError(name, 'it must start with "/"');
  const rest = name.slice(1);
  if (rest.length === 0)
    throw new InvalidQueueNameError(name, 'a name needs at least one character after the "/"');
  if (rest.includes("/")) throw new InvalidQueueNameError(name, 'only the leading "/" is allowed');
  if (rest.includes("\0")) throw new InvalidQueueNameError(name, "it contains a NUL byte");
  if (rest === "." || rest === "..") throw new InvalidQueueNameError(name, '"." and ".." are not names');
  const bytes = Buffer.byteLength(rest);
  if (bytes > NAME_MAX) {
    throw new InvalidQueueNameError(name, `${bytes} bytes after the "/" is more than NAME_MAX (${NAME_MAX})`);
  }
}

function validatePriority(priority: number): void {
  if (!Number.isInteger(priority) || priority < 0 || priority >= MQ_PRIO_MAX) {
    throw new InvalidOptionError("priority", priority, priorityRule());
  }
}

function validateTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
    throw new InvalidOptionError("timeoutMs", timeoutMs, "a timeout is a number of milliseconds, 0 or more");
  }
}

function validateCount(option: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 0x7fffffff)) {
    throw new InvalidOptionError(option, value, `${option} is a whole number, at least 1`);
  }
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? Buffer.from(data) : data;
}

/** Turns an errno error from the addon into this package's typed errors. */
function mapOpenError(
  error: unknown,
  name: string,
  access: QueueAccess,
  attrs: [number, number] | null,
): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return new QueueNotFoundError(name);
    case "EEXIST":
      return new QueueExistsError(name);
    case "EACCES":
    case "EPERM":
      return new QueuePermissionError(name, access);
    case "ENOSPC":
    case "EMFILE":
    case "ENFILE":
    case "ENOMEM":
      return new QueueLimitError(code, name);
    case "EINVAL":
      if (attrs) return new QueueAttributesError(name, attrs[0], attrs[1]);
      return new InvalidQueueNameError(name, "the kernel refused it");
    case "ENAMETOOLONG":
      return new InvalidQueueNameError(name, "the kernel says it is too long");
    default:
      return mapErrno(error, `opening message queue ${name}`);
  }
}

function mapErrno(error: unknown, what: string): unknown {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code !== "string") return error;
  if (e.code === "EBADF") {
    return new MessageQueueError("EBADF", `${what} failed: the descriptor does not allow it`, {
      hint: "the queue was opened with access 'read' or 'write' only; open it with the access this needs",
      cause: error,
    });
  }
  return new MessageQueueError(e.code, `${what} failed: ${e.message}`, { cause: error });
}

interface Waiter {
  settled: boolean;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface SendWaiter extends Waiter {
  data: Uint8Array;
  priority: number;
  resolve(): void;
}

type Received = ReceivedMessage | ReceivedMessage[] | IteratorResult<ReceivedMessage>;

interface ReceiveWaiter extends Waiter {
  /**
   * 0 for receive() (resolves with one message), ITERATOR_STEP for an iterator step (resolves
   * with an iterator result, and with DONE on close()), else receiveMany(max) (up to max).
   */
  max: number;
  resolve(value: Received): void;
}

const ITERATOR_STEP = -1;
/** The end of an iteration, shared (frozen) rather than made per step; the variant uses it too. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A FIFO of waiters with O(1) removal from the head; cancelled waiters are skipped lazily. */
class WaitList<T extends Waiter> {
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
  #poller: object | undefined;
  #pollEvents = 0;
  #senders = new WaitList<SendWaiter>();
  #receivers = new WaitList<ReceiveWaiter>();
  #slab: Buffer = Buffer.alloc(0);
  #slabBuffer: ArrayBuffer = this.#slab.buffer as ArrayBuffer;
  #slabBase = 0;
  #slabOffset = 0;
  #meta = new Uint32Array(BATCH_MAX * 2);
  #attrs = new Uint32Array(3);

  private constructor(binding: NativeBinding, name: string, fd: number, created: boolean) {
    this.#native = binding;
    this.name = name;
    this.#fd = fd;
    this.created = created;
    binding.getattr(fd, this.#attrs);
    this.maxMessages = this.#attrs[0]!;
    this.messageSize = this.#attrs[1]!;
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
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
      throw new InvalidOptionError("mode", mode, "a mode is permission bits from 0 to 0o777, like 0o600");
    }
    const access = options.access ?? "readwrite";
    if (!Object.hasOwn(ACCESS_CODES, access)) {
      throw new InvalidOptionError("access", access, 'access is "read", "write" or "readwrite"');
    }
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
        return sent ? RESOLVED : this.#waitToSend(data, hotPriority, undefined);
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
    return this.#waitToSend(bytes, priority, options);
  }

  #waitToSend(bytes: Uint8Array, priority: number, options: SendOptions | undefined): Promise<void> {
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
        this.#arm(waiter, this.#senders, `send to message queue ${this.name}`, options);
      this.#senders.push(waiter);
      this.#updatePoll();
    });
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
          await this.#waitToSend(list[next]!, priority, undefined);
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
        message = this.#takeOne();
      } catch (error) {
        return Promise.reject(error);
      }
      return message !== undefined
        ? Promise.resolve(message)
        : this.#waitForMessages<ReceivedMessage>(0, undefined);
    }
    try {
      this.#assertOpen("receive()");
      validateTimeout(options?.timeoutMs);
      if (options?.signal?.aborted) throw new AbortError(`receive from message queue ${this.name}`);
      if (this.#receivers.size === 0) {
        const message = this.#takeOne();
        if (message) return Promise.resolve(message);
      }
      if (options?.timeoutMs === 0) throw new TimeoutError(`receive from message queue ${this.name}`, 0);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#waitForMessages<ReceivedMessage>(0, options);
  }

  /** Receives one message if one is waiting now; undefined when the queue is empty. */
  tryReceive(): ReceivedMessage | undefined {
    this.#assertOpen("tryReceive()");
    // Receivers that already wait were first.
    if (this.#receivers.size > 0) return undefined;
    return this.#takeOne();
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
        const messages = this.#take(max);
        if (messages.length > 0) return Promise.resolve(messages);
      }
      if (options?.timeoutMs === 0) throw new TimeoutError(`receive from message queue ${this.name}`, 0);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#waitForMessages<ReceivedMessage[]>(max, options);
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
        message = this.#takeOne();
      } catch (error) {
        return Promise.reject(error);
      }
      if (message !== undefined) return Promise.resolve({ done: false, value: message });
    }
    return this.#waitForMessages<IteratorResult<ReceivedMessage>>(ITERATOR_STEP, undefined);
  }

  /**
   * Closes this handle (not the queue: it stays in the kernel until unlinked). Pending sends
   * and receives reject with ClosedError. Idempotent.
   */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    if (this.#poller) this.#native.pollClose(this.#poller);
    this.#poller = undefined;
    this.#native.close(fd);
    const error = new ClosedError(`message queue ${this.name}`);
    for (const waiter of this.#senders.drainAll()) {
      this.#disarm(waiter);
      waiter.reject(error);
    }
    for (const waiter of this.#receivers.drainAll()) {
      this.#disarm(waiter);
      // An iterator step ends the iteration; a receive() fails.
      if (waiter.max === ITERATOR_STEP) waiter.resolve(DONE);
      else waiter.reject(error);
    }
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
    try {
      return this.#native.send(this.#fd, bytes, priority);
    } catch (error) {
      throw mapErrno(error, `send to message queue ${this.name}`);
    }
  }

  /** Takes one waiting message from the kernel, or undefined; the hot path of receive(). */
  #takeOne(): ReceivedMessage | undefined {
    const size = this.messageSize;
    if (size > SLAB_MESSAGE_LIMIT) return this.#take(1)[0];
    let offset = this.#slabOffset;
    if (this.#slab.length - offset < size) {
      // Messages handed out keep their slab alive; a fresh one is cheaper than copying.
      this.#newSlab(Math.max(SLAB_BYTES, size));
      offset = 0;
    }
    let packed: number;
    try {
      // The kernel writes straight into the slab (room for messageSize from offset on). The
      // slab's ArrayBuffer is cheaper to look into from native code than a typed array.
      packed = this.#native.receive(this.#fd, this.#slabBuffer, this.#slabBase + offset);
    } catch (error) {
      throw mapErrno(error, `receive from message queue ${this.name}`);
    }
    if (packed < 0) return undefined;
    let length = packed;
    let priority = 0;
    if (packed >= PRIORITY_SHIFT) {
      length = packed % PRIORITY_SHIFT;
      priority = (packed - length) / PRIORITY_SHIFT;
    }
    this.#slabOffset = (offset + length + 7) & ~7;
    return { data: new BufferView(this.#slabBuffer, this.#slabBase + offset, length), priority };
  }

  #newSlab(bytes: number): void {
    // Never from the shared pool: the slab's ArrayBuffer is ours alone (see #takeOne).
    this.#slab = Buffer.allocUnsafeSlow(bytes);
    this.#slabBuffer = this.#slab.buffer as ArrayBuffer;
    this.#slabBase = this.#slab.byteOffset;
    this.#slabOffset = 0;
  }

  /** Takes up to `max` waiting messages from the kernel; never more. */
  #take(max: number): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    const size = this.messageSize;
    const meta = this.#meta;
    while (out.length < max) {
      const want = Math.min(max - out.length, BATCH_MAX);
      if (size > SLAB_MESSAGE_LIMIT) {
        // Large queues: receive into a scratch buffer and copy out exactly what arrived.
        if (this.#slab.length < size) this.#newSlab(size);
        const n = this.#receiveInto(0, 1);
        if (n === 0) break;
        out.push({ data: Buffer.from(this.#slab.subarray(0, meta[0]!)), priority: meta[1]! });
        continue;
      }
      if (this.#slab.length - this.#slabOffset < size) {
        // Messages handed out keep their slab alive; a fresh one is cheaper than copying.
        this.#newSlab(Math.max(SLAB_BYTES, size));
      }
      let offset = this.#slabOffset;
      const n = this.#receiveInto(offset, want);
      for (let i = 0; i < n; i++) {
        const length = meta[2 * i]!;
        out.push({
          data: new BufferView(this.#slabBuffer, this.#slabBase + offset, length),
          priority: meta[2 * i + 1]!,
        });
        offset = (offset + length + 7) & ~7;
      }
      this.#slabOffset = offset;
      if (n < want && this.#slab.length - offset >= size) break; // the queue is empty
      if (n === 0) break;
    }
    return out;
  }

  #receiveInto(offset: number, max: number): number {
    try {
      return this.#native.receiveMany(this.#fd, this.#slab, offset, max, this.messageSize, this.#meta);
    } catch (error) {
      throw mapErrno(error, `receive from message queue ${this.name}`);
    }
  }

  #waitForMessages<T extends Received>(max: number, options: ReceiveOptions | undefined): Promise<T> {
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
        this.#arm(waiter, this.#receivers, `receive from message queue ${this.name}`, options);
      this.#receivers.push(waiter);
      this.#updatePoll();
    });
  }

  /** Sets up a waiter's timeout and abort signal. */
  #arm(
    waiter: Waiter,
    list: WaitList<SendWaiter> | WaitList<ReceiveWaiter>,
    what: string,
    options: { timeoutMs?: number; signal?: AbortSignal } | undefined,
  ): void {
    const giveUp = (error: Error) => {
      if (waiter.settled) return;
      waiter.settled = true;
      list.settled();
      this.#disarm(waiter);
      waiter.reject(error);
      this.#updatePoll();
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

  #disarm(waiter: Waiter): void {
    waiter.settled = true;
    if (waiter.timer) clearTimeout(waiter.timer);
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
  }

  /**
   * Points the poll handle at what the waiters need, and stops it as soon as nobody waits. An
   * armed handle is an epoll entry on the queue's wait queue, and the kernel calls every entry
   * back, under the queue's lock, on every send and receive by any process. That cost lands on
   * the busy side of a stream (the one that does not wait), while the three epoll_ctl calls of
   * a stop and restart land on the side that waits anyway: bench/throughput.ts measured a
   * handle left armed between waits (even only until the end of the event-loop turn) 15-20%
   * slower than one stopped at once. So the queue carries an entry of ours only while one of
   * our senders or receivers waits, like a blocked mq_send/mq_receive in C.
   */
  #updatePoll(): void {
    if (this.#fd < 0) return;
    const wanted = (this.#senders.size > 0 ? WRITABLE : 0) | (this.#receivers.size > 0 ? READABLE : 0);
    if (wanted === this.#pollEvents) return;
    this.#poller ??= this.#native.pollCreate(this.#fd, this.#onPoll);
    this.#native.pollStart(this.#poller, wanted);
    this.#pollEvents = wanted;
  }

  /** A wake-up: serve every waiter the queue can serve now (level-triggered: the rest get the next one). */
  #onPoll = (status: number, events: number): void => {
    if (this.#fd < 0) return;
    if (status < 0) {
      // The descriptor itself failed (not expected for a queue): fail the waiters rather than spin.
      const error = new MessageQueueError(
        "EPOLL",
        `polling message queue ${this.name} failed (status ${status})`,
      );
      for (const waiter of [...this.#senders.drainAll(), ...this.#receivers.drainAll()]) {
        this.#disarm(waiter);
        waiter.reject(error);
      }
    } else {
      if (events & WRITABLE) this.#serveSenders();
      if (events & READABLE) this.#serveReceivers();
    }
    this.#updatePoll();
  };

  #serveSenders(): void {
    for (let waiter = this.#senders.peek(); waiter && this.#fd >= 0; waiter = this.#senders.peek()) {
      let sent: boolean;
      try {
        sent = this.#trySendNow(waiter.data, waiter.priority);
      } catch (error) {
        this.#settle(waiter, this.#senders);
        waiter.reject(error);
        continue;
      }
      if (!sent) return;
      this.#settle(waiter, this.#senders);
      waiter.resolve();
    }
  }

  #serveReceivers(): void {
    for (let waiter = this.#receivers.peek(); waiter && this.#fd >= 0; waiter = this.#receivers.peek()) {
      let value: Received | undefined;
      try {
        if (waiter.max > 0) {
          const messages = this.#take(waiter.max);
          value = messages.length > 0 ? messages : undefined;
        } else {
          const message = this.#takeOne();
          if (message !== undefined) value = waiter.max === 0 ? message : { done: false, value: message };
        }
      } catch (error) {
        this.#settle(waiter, this.#receivers);
        waiter.reject(error);
        continue;
      }
      if (value === undefined) return;
      this.#settle(waiter, this.#receivers);
      waiter.resolve(value);
    }
  }

  #settle(waiter: Waiter, list: WaitList<SendWaiter> | WaitList<ReceiveWaiter>): void {
    this.#disarm(waiter);
    list.settled();
  }
}
