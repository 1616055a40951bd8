/**
 * A queue made by the message-queues variant is unlinked when its process ends on SIGINT or
 * SIGTERM without calling close(), as FIFO directories are (core's atExit).
 */

import { liveChildren, spawnScript } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { MessageQueue } from "../src/index.ts";

it.each(["SIGTERM", "SIGINT"] as const)("%s unlinks the queue", async (signal) => {
  const child = spawnScript(new URL("./fixtures/open-and-wait.ts", import.meta.url));
  const name = await new Promise<string>((resolve) =>
    child.process.once("message", (m: { name: string }) => resolve(m.name)),
  );
  expect(MessageQueue.exists(name)).toBe(true);
  child.kill(signal);
  expect(await child.exited).not.toBe(0);
  expect(MessageQueue.exists(name)).toBe(false);
  expect(liveChildren()).toEqual([]);
});
