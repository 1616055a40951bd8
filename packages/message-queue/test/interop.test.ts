/**
 * Interop with a program that is not ours: mqtool (test/fixtures/mqtool.c), compiled here with
 * the system C compiler, speaks plain POSIX mq. It sends with priorities into a queue this
 * package receives from, receives what this package sends, and squats a name we then try to
 * open exclusively.
 */

import { spawn } from "node:child_process";
import { fstatSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { MessageQueue, QueueExistsError } from "../src/index.ts";
import { compileC, execFileAsync, sleep, tempDir, trackedQueues } from "./helpers.ts";

const queues = trackedQueues("mq-interop");
const dir = tempDir();
let mqtool = "";

// mq_timedreceive's system call number, to see in /proc that a process waits in it.
const MQ_TIMEDRECEIVE: Partial<Record<NodeJS.Architecture, number>> = { x64: 243, arm64: 183 };

/** Resolves once process `pid` is inside mq_timedreceive (its /proc/<pid>/syscall says so). */
async function blockedInReceive(pid: number, timeoutMs = 10_000): Promise<void> {
  const expected = MQ_TIMEDRECEIVE[process.arch];
  if (expected === undefined) throw new Error(`no mq_timedreceive number known for ${process.arch}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = readFileSync(`/proc/${pid}/syscall`, "utf8").split(" ")[0];
    if (current === String(expected)) return;
    if (Date.now() > deadline)
      throw new Error(`process ${pid} did not block in mq_timedreceive (${current})`);
    await sleep(2);
  }
}

beforeAll(async () => {
  mqtool = await compileC(
    dir,
    "mqtool",
    readFileSync(new URL("./fixtures/mqtool.c", import.meta.url), "utf8"),
  );
});

describe("interop with a C program", () => {
  it("C creates the queue with its own sizes and sends with priorities; we receive highest first", async () => {
    const name = queues.name();
    await execFileAsync(mqtool, ["create", name, "5", "200", "640"]);
    await execFileAsync(mqtool, ["send", name, "1:low-a", "7:high", "1:low-b", "3:mid"]);
    const queue = await MessageQueue.open(name, { access: "read" });
    try {
      expect(queue.attributes()).toEqual({ maxMessages: 5, messageSize: 200, currentMessages: 4 });
      const got: string[] = [];
      for (let m = queue.tryReceive(); m; m = queue.tryReceive()) got.push(`${m.priority} ${m.data}`);
      expect(got).toEqual(["7 high", "3 mid", "1 low-a", "1 low-b"]);
    } finally {
      queue.close();
    }
  });

  it("a C receiver blocked in mq_timedreceive wakes for our send; later ones come out by priority", async () => {
    const name = queues.name();
    const queue = await MessageQueue.open(name, { create: true, maxMessages: 10, messageSize: 64 });
    const receive = (count: number) => {
      const receiver = spawn(mqtool, ["recv", name, String(count)], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      receiver.stdout.on("data", (d: Buffer) => {
        out += d;
      });
      const done = new Promise<string[]>((resolve, reject) =>
        receiver.on("exit", (code) =>
          code === 0 ? resolve(out.trim().split("\n")) : reject(new Error(`mqtool ${code}`)),
        ),
      );
      return { pid: receiver.pid!, done };
    };
    try {
      const { pid, done: blocked } = receive(1);
      await blockedInReceive(pid);
      await queue.send("wake", { priority: 4 });
      expect(await blocked).toEqual(["4 wake"]);
      await queue.send("low-a");
      await queue.sendMany(["mid-a", "mid-b"], { priority: 2 });
      await queue.send("top", { priority: 32767 });
      await queue.send("low-b");
      expect(await receive(5).done).toEqual(["32767 top", "2 mid-a", "2 mid-b", "0 low-a", "0 low-b"]);
    } finally {
      queue.close();
    }
  });

  it("exclusive open refuses a queue a C program made first (squatting), and leaves it as it was", async () => {
    const name = queues.name();
    await execFileAsync(mqtool, ["create", name, "2", "16", "666"]);
    await expect(MessageQueue.open(name, { exclusive: true })).rejects.toBeInstanceOf(QueueExistsError);
    const look = await MessageQueue.open(name, { access: "read" });
    try {
      expect(fstatSync(look.fd).mode & 0o777).toBe(0o666);
      expect([look.maxMessages, look.messageSize]).toEqual([2, 16]);
    } finally {
      look.close();
    }
  });
});
