/**
 * --pin: producer and consumer on CPUs of their own. A side that is a process is bound whole
 * (`taskset -a`, every thread it has and will start); a side that is a worker thread of a
 * process hosting both sides (placement "threads") binds its own thread, found through
 * /proc/thread-self. Sides that share one thread, and baselines that start their own peer,
 * are not pinned: `unpinnedReason` says why, for the row.
 */

import { execFile } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { promisify } from "node:util";
import { isInterProcess } from "@ipc-atlas/core";
import type { Job } from "./protocol.ts";
import type { BenchTarget } from "./runner.ts";

const run = promisify(execFile);

/** The CPU a side is bound to under --pin: consumers on 0, producers on 1; null for a job that runs both sides. */
export function cpuFor(role: Job["role"]): number | null {
  if (role === "receiver" || role === "ponger") return 0;
  if (role === "sender" || role === "pinger") return 1;
  return null;
}

/** Binds a process and every thread it has to one CPU; threads it starts later inherit the binding. */
export async function pinProcess(pid: number, cpu: number): Promise<void> {
  await run("taskset", ["-a", "-p", "-c", String(cpu), String(pid)]);
}

/** Binds the calling thread alone to one CPU, and checks that the kernel took it. */
export async function pinThisThread(cpu: number): Promise<void> {
  // "<pid>/task/<tid>": the thread that reads the link (a synchronous call runs on this thread).
  const tid = readlinkSync("/proc/thread-self").split("/").pop()!;
  await run("taskset", ["-p", "-c", String(cpu), tid]);
  const allowed = threadCpusAllowed();
  if (allowed !== String(cpu)) throw new Error(`--pin: thread ${tid} runs on CPUs ${allowed}, not ${cpu}`);
}

/** The CPUs the calling thread may run on (Linux's Cpus_allowed_list: "0-1", or "1" when pinned); null off Linux. */
export function threadCpusAllowed(): string | null {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync("/proc/thread-self/status", "utf8"))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Why --pin leaves a target's two sides where the scheduler puts them; null when each side gets a CPU of its own. */
export function unpinnedReason(target: BenchTarget): string | null {
  if (target.baseline)
    return "a baseline starts its own peer (a forked process or a worker thread), which --pin does not place";
  const variant = target.variant;
  if (!variant || isInterProcess(variant.taxonomy.scope) || variant.placement === "threads") return null;
  return "producer and consumer take turns on one thread: there are no two sides to put on separate CPUs";
}
