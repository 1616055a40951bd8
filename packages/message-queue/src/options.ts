/**
 * What a caller hands MessageQueue and gets back from it: the option and result types, and the
 * checks that turn a bad value into an error that says what would work, before any syscall.
 */

import { InvalidOptionError, InvalidQueueNameError, priorityRule } from "./errors.ts";
import { MQ_PRIO_MAX, NAME_MAX } from "./limits.ts";

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

/** The addon's access codes (O_RDONLY, O_WRONLY, O_RDWR). */
export const ACCESS_CODES: Record<QueueAccess, number> = { read: 0, write: 1, readwrite: 2 };

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

export function validatePriority(priority: number): void {
  if (!Number.isInteger(priority) || priority < 0 || priority >= MQ_PRIO_MAX) {
    throw new InvalidOptionError("priority", priority, priorityRule());
  }
}

export function validateTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
    throw new InvalidOptionError("timeoutMs", timeoutMs, "a timeout is a number of milliseconds, 0 or more");
  }
}

export function validateCount(option: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 0x7fffffff)) {
    throw new InvalidOptionError(option, value, `${option} is a whole number, at least 1`);
  }
}

/** open()'s mode and access, checked (the counts go through validateCount). */
export function validateModeAndAccess(mode: number, access: QueueAccess): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new InvalidOptionError("mode", mode, "a mode is permission bits from 0 to 0o777, like 0o600");
  }
  if (!Object.hasOwn(ACCESS_CODES, access)) {
    throw new InvalidOptionError("access", access, 'access is "read", "write" or "readwrite"');
  }
}

export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? Buffer.from(data) : data;
}
