/**
 * Shared test helpers: unique queue names that are unlinked after every test (also when it
 * fails), a C helper compiled with the system compiler, and a child-process runner.
 */

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach } from "vitest";
import { MessageQueue, uniqueQueueName } from "../src/index.ts";

export const execFileAsync = promisify(execFile);

/** Names for this test file's queues; every one is unlinked after each test. */
export function trackedQueues(prefix = "mq-test"): { name(): string; created: readonly string[] } {
  const created: string[] = [];
  const open: string[] = [];
  afterEach(async () => {
    for (const name of open.splice(0)) await MessageQueue.unlink(name).catch(() => {});
  });
  return {
    name() {
      const name = uniqueQueueName(prefix);
      created.push(name);
      open.push(name);
      return name;
    },
    created,
  };
}

/** A temporary directory removed after the file's tests. */
export function tempDir(prefix = "ipc-atlas-mq-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Compiles a C source with the system compiler (and -lrt) into `dir`; returns the binary's path. */
export async function compileC(dir: string, basename: string, source: string): Promise<string> {
  const src = join(dir, `${basename}.c`);
  const bin = join(dir, basename);
  writeFileSync(src, source);
  await execFileAsync("cc", ["-O2", "-Wall", "-o", bin, src, "-lrt"]);
  return bin;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
