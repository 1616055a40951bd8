/**
 * The benchmark's results as data: the environment, one row per target and size, and the
 * native ceilings. `--json` writes exactly this; the terminal table and the HTML report are
 * views of it.
 */

import { execFileSync } from "node:child_process";
import { cpus, loadavg, release, type } from "node:os";
import type { NativeMechanism } from "./ceilings.ts";
import type { NativeFigures, NativeOutcome } from "./native.ts";
import type { BenchMode } from "./protocol.ts";
import type { BenchTarget, RunOutcome } from "./runner.ts";
import type { LatencyFigures, Plan, ProcessFigures } from "./workload.ts";

export interface Environment {
  cpu: string;
  cores: number;
  kernel: string;
  node: string;
  platform: string;
  arch: string;
  date: string;
  /** 1, 5 and 15 minute load averages when the run started: a busy machine gives noisy figures. */
  loadAverage: number[];
  compiler: string | null;
  mode: BenchMode;
  quick: boolean;
}

export interface NativeComparison {
  mechanism: NativeMechanism;
  msgPerSec: number;
  mbPerSec: number;
  latencyUs: NativeFigures["latencyUs"];
  /** Node msg/s divided by C msg/s: 1 means as fast as the C program. */
  ratio: number | null;
}

export interface BenchResult {
  variant: string;
  kind: "variant" | "baseline";
  scope: string;
  timing: string | null;
  mode: BenchMode;
  size: number;
  /** ok, not-applicable (the medium cannot carry this size: see reason) or failed (see reason). */
  status: RunOutcome["status"];
  reason: string | null;
  /** Measured messages sent (after the warm-up). */
  messages: number;
  warmup: number;
  /** Sends pending at once: 1 for synchronous variants, a small window for asynchronous ones. */
  window: number;
  /** Measured messages received. */
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupt: number;
  /** The measured window: first measured send to last receive. Null unless ok. */
  seconds: number | null;
  msgPerSec: number | null;
  /** 10^6 bytes per second of message payload. */
  mbPerSec: number | null;
  /** One-way latency (one-way mode) or round-trip time (round-trip mode), microseconds. */
  latencyUs: Omit<LatencyFigures, "samples"> | null;
  processes: ProcessFigures[];
  native: NativeComparison | null;
  /** Why `native` is null: no ceiling for this variant, no compiler, or the C side could not run. */
  nativeNote: string | null;
}

export interface CeilingResult {
  mechanism: NativeMechanism;
  size: number;
  mode: BenchMode;
  status: NativeOutcome["status"];
  reason: string | null;
  figures: NativeFigures | null;
}

export interface BenchReport {
  environment: Environment;
  results: BenchResult[];
  ceilings: CeilingResult[];
}

export function environment(mode: BenchMode, quick: boolean): Environment {
  const cores = cpus();
  let compiler: string | null = null;
  try {
    compiler = execFileSync(process.env.CC || "cc", ["--version"], { encoding: "utf8", stdio: "pipe" }).split(
      "\n",
    )[0]!;
  } catch {}
  return {
    cpu: cores[0]?.model.trim() ?? "unknown",
    cores: cores.length,
    kernel: `${type()} ${release()}`,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    date: new Date().toISOString(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    compiler,
    mode,
    quick,
  };
}

export function resultRow(
  target: BenchTarget,
  plan: Plan,
  mode: BenchMode,
  outcome: RunOutcome,
  native: NativeOutcome | null,
): BenchResult {
  const base = {
    variant: target.id,
    kind: target.kind,
    scope: target.scope,
    timing: target.timing,
    mode,
    size: plan.size,
    warmup: plan.warmup,
    window: plan.window,
  };
  if (outcome.status !== "ok") {
    return {
      ...base,
      status: outcome.status,
      reason: outcome.reason,
      messages: 0,
      received: 0,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      corrupt: 0,
      seconds: null,
      msgPerSec: null,
      mbPerSec: null,
      latencyUs: null,
      processes: [],
      native: null,
      nativeNote: outcome.status === "not-applicable" ? "not applicable" : null,
    };
  }
  const { sender, receiver, processes } = outcome.report;
  const seconds = Math.max(1e-9, (receiver.lastNs - sender.startNs) / 1e9);
  const msgPerSec = receiver.measuredReceived / seconds;
  const { samples: _samples, ...latencyUs } = receiver.latencyUs;
  let comparison: NativeComparison | null = null;
  let nativeNote: string | null = null;
  if (!target.ceiling) nativeNote = "no native ceiling for this variant";
  else if (!native) nativeNote = "not measured";
  else if (native.status !== "ok") nativeNote = `${target.ceiling}: ${native.reason}`;
  else {
    const c = native.figures;
    comparison = {
      mechanism: c.mechanism,
      msgPerSec: c.msgPerSec,
      mbPerSec: c.mbPerSec,
      latencyUs: c.latencyUs,
      ratio: c.msgPerSec > 0 ? msgPerSec / c.msgPerSec : null,
    };
  }
  return {
    ...base,
    status: "ok",
    reason: null,
    messages: sender.measuredSent,
    received: receiver.measuredReceived,
    lost: receiver.lost,
    duplicated: receiver.duplicated,
    reordered: receiver.reordered,
    corrupt: receiver.corrupt,
    seconds,
    msgPerSec,
    mbPerSec: (msgPerSec * plan.size) / 1e6,
    latencyUs,
    processes,
    native: comparison,
    nativeNote,
  };
}

/** Rows whose messages were not delivered exactly once and in order. */
export function integrityFailures(results: BenchResult[]): BenchResult[] {
  return results.filter((r) => r.lost + r.duplicated + r.reordered + r.corrupt > 0);
}
