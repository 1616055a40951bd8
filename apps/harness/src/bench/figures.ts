/** What a bench process reports about itself: CPU time in the measured window, peak memory, CPUs. */

import { readFileSync } from "node:fs";

export interface CpuFigures {
  userMs: number;
  systemMs: number;
}

export interface ProcessFigures {
  role: string;
  pid: number;
  /** CPU during the measured window (see SenderReport/ReceiverReport). */
  cpu: CpuFigures;
  /** process.resourceUsage().maxRSS: peak resident set of the process's whole life, KiB. */
  maxRssKiB: number;
  /** The CPUs the process may run on (Linux's Cpus_allowed_list, "0-1"; "1" when pinned to CPU 1). */
  cpusAllowed: string | null;
}

export function cpuSince(start: NodeJS.CpuUsage): CpuFigures {
  const d = process.cpuUsage(start);
  return { userMs: d.user / 1000, systemMs: d.system / 1000 };
}

export function processFigures(role: string, cpu: CpuFigures): ProcessFigures {
  return {
    role,
    pid: process.pid,
    cpu,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpusAllowed: cpusAllowed(),
  };
}

function cpusAllowed(): string | null {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? null;
  } catch {
    return null; // not Linux
  }
}
