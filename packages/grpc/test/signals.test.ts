/**
 * A grpc-os endpoint's private directory is removed when its process ends on SIGINT or
 * SIGTERM without calling close(), as FIFO directories are (core's atExit).
 */

import { existsSync } from "node:fs";
import { liveChildren, spawnScript } from "@ipc-atlas/core";
import { expect, it } from "vitest";

it.each(["SIGTERM", "SIGINT"] as const)("%s removes the socket directory", async (signal) => {
  const child = spawnScript(new URL("./fixtures/open-and-wait.ts", import.meta.url));
  const directory = await new Promise<string>((resolve) =>
    child.process.once("message", (m: { directory: string }) => resolve(m.directory)),
  );
  expect(existsSync(directory)).toBe(true);
  child.kill(signal);
  expect(await child.exited).not.toBe(0);
  expect(existsSync(directory)).toBe(false);
  expect(liveChildren()).toEqual([]);
});
