/**
 * Every typed error, from a real kernel where the kernel decides: another user for EACCES,
 * a private IPC namespace for queues_max (so exhausting it disturbs nobody else), a lowered
 * RLIMIT_MSGQUEUE for the per-user memory limit, and a pretended platform for the lazy addon.
 */

import { spawn } from "node:child_process";
import { fstatSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  AbortError,
  ClosedError,
  errorFromJSON,
  errorToJSON,
  type IpcErrorJSON,
  MessageTooLargeError,
  TimeoutError,
} from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import {
  InvalidOptionError,
  InvalidQueueNameError,
  MessageQueue,
  QueueAttributesError,
  QueueExistsError,
  QueueLimitError,
  QueueNotFoundError,
  QueuePermissionError,
  systemLimits,
  UnsupportedPlatformError,
} from "../src/index.ts";
import { trackedQueues } from "./helpers.ts";

const queues = trackedQueues("mq-err");
const probe = fileURLToPath(new URL("./fixtures/probe.ts", import.meta.url));

/** Runs the probe fixture, optionally through a wrapper command or as another user. */
function runProbe(
  args: string[],
  options: { wrapper?: string[]; uid?: number } = {},
): Promise<Record<string, unknown> & { error?: IpcErrorJSON }> {
  const command = [...(options.wrapper ?? []), process.execPath, "--import", "tsx", probe, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d;
    });
    child.on("error", reject);
    child.on("exit", () => {
      const last = out.trim().split("\n").at(-1);
      if (!last) reject(new Error(`probe printed nothing; stderr: ${err}`));
      else resolve(JSON.parse(last));
    });
  });
}

describe("typed errors", () => {
  it("a message larger than messageSize is MessageTooLargeError with both sizes; nothing is sent", async () => {
    const queue = await MessageQueue.open(queues.name(), { create: true, maxMessages: 2, messageSize: 100 });
    try {
      const error = await queue.send(new Uint8Array(101)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect((error as Error).message).toMatch(/101 bytes.*100-byte limit/);
      expect(() => queue.trySend(new Uint8Array(101))).toThrow(MessageTooLargeError);
      expect(queue.attributes().currentMessages).toBe(0);
    } finally {
      queue.close();
    }
  });

  it("opening a missing queue without create is QueueNotFoundError (ENOENT)", async () => {
    const error = await MessageQueue.open(queues.name()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect((error as QueueNotFoundError).code).toBe("ENOENT");
    expect((error as Error).message).toMatch(/create: true/);
  });

  it("an exclusive open of an existing queue is QueueExistsError (EEXIST) and leaves that queue alone", async () => {
    const name = queues.name();
    // Somebody else got there first (a squatter), with a mode of their choosing.
    const squatter = await MessageQueue.open(name, {
      create: true,
      mode: 0o644,
      maxMessages: 3,
      messageSize: 10,
    });
    try {
      const error = await MessageQueue.open(name, { exclusive: true, mode: 0o600 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueExistsError);
      expect((error as QueueExistsError).code).toBe("EEXIST");
      expect(fstatSync(squatter.fd).mode & 0o777).toBe(0o644);
      // A plain create attaches to the existing queue and reports that it did not create it.
      const attached = await MessageQueue.open(name, { create: true, maxMessages: 9, messageSize: 99 });
      expect(attached.created).toBe(false);
      expect([attached.maxMessages, attached.messageSize]).toEqual([3, 10]);
      attached.close();
    } finally {
      squatter.close();
    }
  });

  it("another user opening a 0600 queue is QueuePermissionError (EACCES)", async () => {
    const name = queues.name();
    const queue = await MessageQueue.open(name, { create: true, maxMessages: 2, messageSize: 8 });
    queue.close();
    const result = await runProbe(["open", name, "read"], { uid: 65534 });
    expect(result.error?.name).toBe("QueuePermissionError");
    expect(errorFromJSON(result.error!)).toBeInstanceOf(QueuePermissionError);
    expect(result.error?.code).toBe("EACCES");
  });

  it("queues_max reached is QueueLimitError (ENOSPC) naming /proc/sys/fs/mqueue/queues_max; nothing is left", async () => {
    // A private IPC namespace has its own queues and its own count: filling it starves nobody.
    const result = await runProbe(["exhaust", `mq-exhaust-${process.pid}`], {
      wrapper: ["unshare", "--ipc"],
    });
    expect(result.isLimitError).toBe(true);
    expect(result.error?.code).toBe("ENOSPC");
    expect(result.error?.message).toContain("/proc/sys/fs/mqueue/queues_max");
    expect(result.created).toBe(systemLimits().queuesMax);
    expect(result.left).toBe(0);
  });

  it("RLIMIT_MSGQUEUE used up is QueueLimitError (EMFILE) that says ulimit -q", async () => {
    const result = await runProbe(["create", queues.name(), "8192"], {
      wrapper: ["prlimit", "--msgqueue=50000"],
    });
    expect(result.error?.name).toBe("QueueLimitError");
    expect(result.error?.code).toBe("EMFILE");
    expect(result.error?.message).toContain("ulimit -q");
  });

  it("maxMessages above /proc/sys/fs/mqueue/msg_max: what the kernel does here, typed", async () => {
    const { msgMax, msgsizeMax } = systemLimits();
    const name = queues.name();
    // The kernel lets a process with CAP_SYS_RESOURCE in the initial user namespace go past
    // msg_max; elsewhere (this container's root included) it is EINVAL. Either way: no surprise.
    const outcome = await MessageQueue.open(name, {
      create: true,
      maxMessages: msgMax! + 1,
      messageSize: 16,
    }).then(
      (queue) => {
        const max = queue.maxMessages;
        queue.close();
        return max;
      },
      (e: unknown) => e,
    );
    if (typeof outcome === "number") {
      expect(outcome).toBe(msgMax! + 1);
    } else {
      expect(outcome).toBeInstanceOf(QueueAttributesError);
      expect((outcome as Error).message).toContain("/proc/sys/fs/mqueue/msg_max");
      expect(MessageQueue.exists(name)).toBe(false);
    }
    // Past the hard ceiling (65536) nobody gets it.
    await expect(
      MessageQueue.open(name, { create: true, maxMessages: 70_000, messageSize: 16 }),
    ).rejects.toBeInstanceOf(QueueAttributesError);
    await expect(
      MessageQueue.open(name, { create: true, maxMessages: 1, messageSize: msgsizeMax! + 1 }),
    ).rejects.toBeInstanceOf(QueueAttributesError);
    await expect(
      MessageQueue.open(name, { create: true, maxMessages: 0, messageSize: 16 }),
    ).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it("every operation after close() is ClosedError; close() is idempotent", async () => {
    const queue = await MessageQueue.open(queues.name(), { create: true, maxMessages: 2, messageSize: 8 });
    queue.close();
    queue.close();
    await expect(queue.send("x")).rejects.toBeInstanceOf(ClosedError);
    await expect(queue.receive()).rejects.toBeInstanceOf(ClosedError);
    await expect(queue.receiveMany(2)).rejects.toBeInstanceOf(ClosedError);
    await expect(queue.sendMany(["x"])).rejects.toBeInstanceOf(ClosedError);
    expect(() => queue.trySend("x")).toThrow(ClosedError);
    expect(() => queue.tryReceive()).toThrow(ClosedError);
    expect(() => queue.attributes()).toThrow(ClosedError);
    const iteration: unknown[] = [];
    for await (const m of queue) iteration.push(m);
    expect(iteration).toEqual([]);
  });

  it("a pending receive ends with ClosedError on close(), and a for-await loop just ends", async () => {
    const queue = await MessageQueue.open(queues.name(), { create: true, maxMessages: 2, messageSize: 8 });
    const pending = queue.receive();
    const looping = (async () => {
      let n = 0;
      for await (const _ of queue) n++;
      return n;
    })();
    setTimeout(() => queue.close(), 30);
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
    expect(await looping).toBe(0);
  });

  it("timeouts are TimeoutError and aborts AbortError (core's classes)", async () => {
    const queue = await MessageQueue.open(queues.name(), { create: true, maxMessages: 1, messageSize: 8 });
    try {
      await expect(queue.receive({ timeoutMs: 20 })).rejects.toBeInstanceOf(TimeoutError);
      const controller = new AbortController();
      controller.abort();
      await expect(queue.receive({ signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    } finally {
      queue.close();
    }
  });

  it("bad options are InvalidOptionError: priority, timeout, mode, access", async () => {
    const queue = await MessageQueue.open(queues.name(), { create: true, maxMessages: 1, messageSize: 8 });
    try {
      expect(() => queue.trySend("x", { priority: 32768 })).toThrow(InvalidOptionError);
      expect(() => queue.trySend("x", { priority: -1 })).toThrow(InvalidOptionError);
      expect(() => queue.trySend("x", { priority: 1.5 })).toThrow(InvalidOptionError);
      expect(queue.trySend("x", { priority: 32767 })).toBe(true);
      await expect(queue.receive({ timeoutMs: -1 })).rejects.toBeInstanceOf(InvalidOptionError);
      await expect(MessageQueue.open(queues.name(), { create: true, mode: 0o1777 })).rejects.toBeInstanceOf(
        InvalidOptionError,
      );
      await expect(
        MessageQueue.open(queues.name(), { create: true, access: "all" as unknown as "read" }),
      ).rejects.toBeInstanceOf(InvalidOptionError);
    } finally {
      queue.close();
    }
  });

  it("a read-only handle cannot send, with a hint about access", async () => {
    const name = queues.name();
    const queue = await MessageQueue.open(name, {
      create: true,
      maxMessages: 1,
      messageSize: 8,
      access: "read",
    });
    try {
      expect(() => queue.trySend("x")).toThrow(/access/);
    } finally {
      queue.close();
    }
  });

  it("the error classes survive a trip between processes (registered with core)", () => {
    for (const error of [
      new QueueExistsError("/a"),
      new QueueNotFoundError("/a"),
      new QueuePermissionError("/a", "read"),
      new QueueLimitError("ENOSPC", "/a"),
      new InvalidQueueNameError("a", "no slash"),
      new QueueAttributesError("/a", 11, 10),
    ]) {
      const back = errorFromJSON(errorToJSON(error));
      expect(back).toBeInstanceOf(error.constructor);
      expect(back.message).toBe(error.message);
    }
  });

  it("an unsupported platform imports fine and gets UnsupportedPlatformError at open", async () => {
    const result = await runProbe(["unsupported"]);
    expect(result.error?.name).toBe("UnsupportedPlatformError");
    expect(errorFromJSON(result.error!)).toBeInstanceOf(UnsupportedPlatformError);
  });
});
