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
      return new Promise<string[]>((resolve, reject) =>
        receiver.on("exit", (code) =>
          code === 0 ? resolve(out.trim().split("\n")) : reject(new Error(`mqtool ${code}`)),
        ),
      );
    };
    try {
      const blocked = receive(1);
      await sleep(100); // the C receiver is now blocked in the kernel
      await queue.send("wake", { priority: 4 });
      expect(await blocked).toEqual(["4 wake"]);
      await queue.send("low-a");
      await queue.sendMany(["mid-a", "mid-b"], { priority: 2 });
      await queue.send("top", { priority: 32767 });
      await queue.send("low-b");
      expect(await receive(5)).toEqual(["32767 top", "2 mid-a", "2 mid-b", "0 low-a", "0 low-b"]);
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
