/**
 * Typed errors of @ipc-atlas/message-queue. Each errno that matters becomes its own class
 * with a hint that says what to do; all are registered with core's registerErrorClass so that
 * they keep their class when they cross a process boundary (a producer in a child process).
 * Oversized messages use core's MessageTooLargeError, closed queues core's ClosedError,
 * waits core's TimeoutError and AbortError.
 */

import { IpcError, registerErrorClass } from "@ipc-atlas/core";
import { MQ_PRIO_MAX, MQUEUE_SYSCTL_DIR, NAME_MAX, systemLimits } from "./limits.ts";

/** Base class of this package's errors; also used as is for an errno without its own class. */
export class MessageQueueError extends IpcError {}

/** A queue name POSIX does not allow; caught before any syscall. */
export class InvalidQueueNameError extends MessageQueueError {
  constructor(name: unknown, reason: string) {
    super("EINVAL", `invalid message queue name ${JSON.stringify(name)}: ${reason}`, {
      hint: `use one slash followed by 1 to ${NAME_MAX} bytes with no other slash, like "/orders"`,
      details: { name },
    });
  }
}

/** An option with a value that cannot work (a priority out of range, a negative timeout). */
export class InvalidOptionError extends MessageQueueError {
  constructor(option: string, value: unknown, rule: string) {
    super("EINVAL", `invalid ${option}: ${String(value)}`, { hint: rule, details: { option, value } });
  }
}

export function priorityRule(): string {
  return `a priority is an integer from 0 to ${MQ_PRIO_MAX - 1}; higher is received first`;
}

/** maxMessages / messageSize the kernel refused at creation. */
export class QueueAttributesError extends MessageQueueError {
  constructor(name: string, maxMessages: number, messageSize: number) {
    const limits = systemLimits();
    super(
      "EINVAL",
      `cannot create message queue ${name} with maxMessages ${maxMessages} and messageSize ${messageSize}: ` +
        `the system allows at most ${limits.msgMax ?? "?"} messages of ${limits.msgsizeMax ?? "?"} bytes`,
      {
        hint:
          `ask for less, or raise ${MQUEUE_SYSCTL_DIR}/msg_max and ${MQUEUE_SYSCTL_DIR}/msgsize_max as root ` +
          `(sysctl fs.mqueue.msg_max=…); a process with CAP_SYS_RESOURCE in the initial user namespace may go ` +
          "up to 65536 messages",
        details: { name, maxMessages, messageSize, msgMax: limits.msgMax, msgsizeMax: limits.msgsizeMax },
      },
    );
  }
}

/** The queue does not exist and the open did not ask to create it. */
export class QueueNotFoundError extends MessageQueueError {
  constructor(name: string) {
    super("ENOENT", `message queue ${name} does not exist`, {
      hint: "open it with { create: true }, or start the program that creates it first",
      details: { name },
    });
  }
}

/** An exclusive open found the name taken. */
export class QueueExistsError extends MessageQueueError {
  constructor(name: string) {
    super("EEXIST", `message queue ${name} already exists and the open was exclusive`, {
      hint:
        "another process made it first (maybe one that is squatting the name, maybe a leftover): " +
        `pick another name, or if it is yours, remove it with MessageQueue.unlink("${name}")`,
      details: { name },
    });
  }
}

/** The queue's owner and mode refuse this user the access asked for. */
export class QueuePermissionError extends MessageQueueError {
  constructor(name: string, access: string) {
    super("EACCES", `permission denied opening message queue ${name} for ${access}`, {
      hint:
        "the queue's owner and mode do not allow this user that access: run as the owner, ask for less " +
        "(access: 'read' or 'write'), or have the creator open it with a wider mode",
      details: { name, access },
    });
  }
}

/** A system-wide or per-user limit on queues is used up. */
export class QueueLimitError extends MessageQueueError {
  constructor(code: "ENOSPC" | "EMFILE" | "ENFILE" | "ENOMEM", name: string) {
    const limits = systemLimits();
    const texts: Record<typeof code, [string, string]> = {
      ENOSPC: [
        `cannot create message queue ${name}: the system-wide limit of ${limits.queuesMax ?? "?"} queues is reached`,
        `unlink queues nobody uses (ls /dev/mqueue after mount -t mqueue none /dev/mqueue), or raise ${MQUEUE_SYSCTL_DIR}/queues_max as root`,
      ],
      EMFILE: [
        `cannot open message queue ${name}: this user's queue memory (RLIMIT_MSGQUEUE, ${limits.rlimitBytes ?? "unlimited"} bytes) or this process's descriptors are used up`,
        "every queue reserves about maxMessages × messageSize bytes of its creator's RLIMIT_MSGQUEUE: close and unlink queues you no longer need, create smaller ones, or raise the limit (ulimit -q, LimitMSGQUEUE= in systemd)",
      ],
      ENFILE: [
        `cannot open message queue ${name}: the system has too many open files`,
        "close descriptors or raise /proc/sys/fs/file-max",
      ],
      ENOMEM: [
        `cannot create message queue ${name}: out of kernel memory`,
        "free memory or create a smaller queue",
      ],
    };
    const [message, hint] = texts[code];
    super(code, message, {
      hint,
      details: { name, queuesMax: limits.queuesMax, rlimitBytes: limits.rlimitBytes },
    });
  }
}

/** POSIX message queues cannot be used here: not Linux, where a queue descriptor can be polled. */
export class UnsupportedPlatformError extends MessageQueueError {
  constructor(platform: string) {
    super("ENOTSUP", `POSIX message queues are not supported on ${platform}`, {
      hint:
        "this package needs Linux, where a queue descriptor can be polled; on other systems use the JetStream " +
        "backend or another ipc-atlas variant",
      details: { platform },
    });
  }
}

/** The native addon was not built when the package was installed. */
export class AddonNotBuiltError extends MessageQueueError {
  constructor(path: string) {
    super("ENOADDON", `the native addon was not built (${path} is missing)`, {
      hint:
        "installing the package builds it with node-gyp, which needs a C compiler, make and python3: install those, " +
        "then run `npm rebuild @ipc-atlas/message-queue` (in the ipc-atlas repository: `pnpm install` at its root)",
      details: { path },
    });
  }
}

for (const cls of [
  MessageQueueError,
  InvalidQueueNameError,
  InvalidOptionError,
  QueueAttributesError,
  QueueNotFoundError,
  QueueExistsError,
  QueuePermissionError,
  QueueLimitError,
  UnsupportedPlatformError,
  AddonNotBuiltError,
]) {
  registerErrorClass(cls);
}

// ── errno from the addon → the errors above ──────────────────────────────────────────────

/** Turns an errno error from the addon's open into this package's typed errors. */
export function mapOpenError(
  error: unknown,
  name: string,
  access: string,
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

/** Any other errno from the addon: a MessageQueueError that names the operation (`what`). */
export function mapErrno(error: unknown, what: string): unknown {
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
