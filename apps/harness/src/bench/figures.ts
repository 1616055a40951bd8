/** What a bench process reports about itself: CPU time in the measured window, peak memory, CPUs. */

import { threadCpusAllowed } from "./pin.ts";

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
  /**
   * The CPUs the process may run on (Linux's Cpus_allowed_list, "0-1"; "1" when pinned to CPU 1),
   * as its thread that reported sees it.
   */
  cpusAllowed: string | null;
  /** A process whose two sides ran on worker threads of their own: each side's thread and its CPUs. */
  threads?: { role: string; cpusAllowed: string | null }[];
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
    cpusAllowed: threadCpusAllowed(),
  };
}
