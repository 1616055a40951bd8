/**
 * The benchmark's results as data: the environment, one row per target and size (the `null`
 * row included), and the native ceilings. `--json` writes exactly this; the terminal table
 * and the HTML report are views of it. Every figure of a row is the median of its rounds.
 */

import { execFileSync } from "node:child_process";
import { cpus, loadavg, release, type } from "node:os";
import type { NativeMechanism } from "./ceilings.ts";
import type { NativeDesign, NativeDesignFigures, NativeOutcome } from "./native.ts";
import { unpinnedReason } from "./pin.ts";
import type { BenchMode } from "./protocol.ts";
import type { BenchTarget, MergedReport, RunOutcome } from "./runner.ts";
import { spread } from "./spread.ts";
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
  /** Throughput rounds; the variants take turns within each round. */
  rounds: number;
  /** The latency pass's offered rates, msg/s. */
  rates: number[];
  /** Whether producer and consumer (and the C pairs) ran on separate, fixed CPUs (--pin). */
  pinned: boolean;
}

/** The mode of the C ceiling a target is compared with: its timing's (a synchronous send waits for a round trip). */
export function nativeModeFor(timing: string | null, mode: BenchMode): BenchMode {
  return mode === "round-trip" || timing === "synchronous" ? "round-trip" : "one-way";
}

export interface NativeComparison {
  mechanism: NativeMechanism;
  mode: BenchMode;
  /** The design with the highest median msg/s over the rounds. */
  design: NativeDesign;
  msgPerSec: number;
  mbPerSec: number;
  designs: { design: NativeDesign; msgPerSec: number; msgPerSecRange: [number, number] }[];
  /** Node msg/s divided by the best C design's: 1 means as fast as the best C program. */
  ratio: number | null;
}

export interface LatencyAtRate {
  ratePerSec: number;
  /** ok: the rate was held; saturated: it was not (see reachedPerSec), so no latency is given. */
  status: "ok" | "saturated" | "failed";
  /** Messages per second that arrived. */
  reachedPerSec: number | null;
  p50: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  mean: number | null;
  samples: number;
  reason?: string;
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
  /** Measured messages sent (after the warm-up), in the median round. */
  messages: number;
  warmup: number;
  /** Sends pending at once: 1 for synchronous variants, a window for asynchronous ones. */
  window: number;
  /** Measured messages received, in the median round. */
  received: number;
  /** Over every round and the latency pass. */
  lost: number;
  duplicated: number;
  reordered: number;
  corrupt: number;
  /** Throughput rounds that measured a figure. */
  rounds: number;
  /** The median round's measured window. Null unless ok. */
  seconds: number | null;
  /** Median over the rounds. */
  msgPerSec: number | null;
  msgPerSecRange: [number, number] | null;
  /** (max − min) ÷ median over 25 %. */
  unstable: boolean;
  /** 10^6 bytes per second of message payload, at the median. */
  mbPerSec: number | null;
  /** CPU time per message of each side's process, µs (median over rounds); null for one process. */
  cpuUsPerMsg: { producer: number; consumer: number } | null;
  /** The latency pass: one entry per offered rate, at the smallest size of the run (empty at the others). */
  latency: LatencyAtRate[];
  /** The lowest rate's latency when it was held (for readers of the older format), µs. */
  latencyUs: Omit<LatencyFigures, "samples"> | null;
  /** The median round's processes. */
  processes: ProcessFigures[];
  native: NativeComparison | null;
  /** Why `native` is null: no ceiling for this variant, no compiler, or the C side could not run. */
  nativeNote: string | null;
  /** Under --pin, why this row's two sides were left where the scheduler put them (pin.ts); null otherwise. */
  unpinned: string | null;
}

export interface CeilingResult {
  mechanism: NativeMechanism;
  size: number;
  mode: BenchMode;
  status: NativeOutcome["status"];
  reason: string | null;
  rounds: number;
  /** Best design by median msg/s. */
  design: NativeDesign | null;
  msgPerSec: number | null;
  msgPerSecRange: [number, number] | null;
  designs: { design: NativeDesign; msgPerSec: number; msgPerSecRange: [number, number] }[];
  /** The best design's figures in the last round that ran it. */
  figures: NativeDesignFigures | null;
}

export interface BenchReport {
  environment: Environment;
  results: BenchResult[];
  ceilings: CeilingResult[];
  /** Baselines that are another row's yardstick: the text report gives that row ÷ the baseline's, per size. */
  yardsticks?: { variant: string; baseline: string }[];
}

export function environment(
  mode: BenchMode,
  quick: boolean,
  extra: { rounds: number; rates: number[]; pinned: boolean },
): Environment {
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
    ...extra,
  };
}

/** Throughput of one run: the receiver's own clock, first measured message to the last timed one. */
export function throughputOf(report: MergedReport): { msgPerSec: number; seconds: number } {
  const { sender, receiver } = report;
  if (receiver.timedCount >= 63 && receiver.timedNs > receiver.firstNs) {
    const seconds = (receiver.timedNs - receiver.firstNs) / 1e9;
    return { msgPerSec: receiver.timedCount / seconds, seconds };
  }
  // Too few messages for the receiver's own clock: first send to the end of the iteration.
  const seconds = Math.max(1e-9, (receiver.lastNs - sender.startNs) / 1e9);
  return { msgPerSec: receiver.measuredReceived / seconds, seconds };
}

/** Fewer arrived per second than this share of the offered rate: not held. */
export const SATURATED_BELOW = 0.9;

/**
 * How late the producer may still be, at its closest to schedule in the last quarter of a run,
 * for the rate to count as held: two intervals, and never under a millisecond (a busy host's
 * wake-ups). A variant below its limit drains its backlog now and then; one at it never does.
 */
export function lagAllowanceNs(ratePerSec: number): number {
  return Math.max(1e6, 2e9 / ratePerSec);
}

export function latencyAtRate(plan: Plan, outcome: RunOutcome): LatencyAtRate {
  const ratePerSec = plan.ratePerSec!;
  const empty = { p50: null, p99: null, p999: null, max: null, mean: null, samples: 0 };
  if (outcome.status !== "ok") {
    return { ratePerSec, status: "failed", reachedPerSec: null, ...empty, reason: outcome.reason };
  }
  const { sender, receiver } = outcome.report;
  const span = (receiver.timedNs - receiver.firstNs) / 1e9;
  const reachedPerSec = span > 0 ? receiver.timedCount / span : 0;
  // Held: every message went, 90 % of the rate arrived per second, and the producer got back on
  // schedule near the end (a backlog that never drains is a rate at the variant's limit).
  const backOnSchedule = sender.tailLagNs === undefined || sender.tailLagNs <= lagAllowanceNs(ratePerSec);
  const held =
    sender.measuredSent >= plan.messages && reachedPerSec >= SATURATED_BELOW * ratePerSec && backOnSchedule;
  if (!held || !receiver.latencyUs) return { ratePerSec, status: "saturated", reachedPerSec, ...empty };
  const { p50, p99, p999, max, mean, samples } = receiver.latencyUs;
  return {
    ratePerSec,
    status: "ok",
    reachedPerSec: Math.min(reachedPerSec, ratePerSec),
    p50,
    p99,
    p999,
    max,
    mean,
    samples,
  };
}

function cpuPerMessage(report: MergedReport): { producer: number; consumer: number } | null {
  const n = report.receiver.measuredReceived;
  const side = (roles: string[]) => report.processes.find((p) => roles.includes(p.role));
  const producer = side(["producer", "pinger"]);
  const consumer = side(["consumer", "ponger"]);
  if (!producer || !consumer || n === 0) return null;
  const us = (p: ProcessFigures) => Math.round(((p.cpu.userMs + p.cpu.systemMs) * 1e4) / n) / 10;
  return { producer: us(producer), consumer: us(consumer) };
}

/** One target at one size: its throughput rounds, its latency runs, and the C ceiling's rounds. */
export function resultRow(
  target: BenchTarget,
  plan: Plan,
  mode: BenchMode,
  rounds: RunOutcome[],
  latency: { plan: Plan; outcome: RunOutcome }[],
  ceiling: CeilingResult | null,
  pinned = false,
): BenchResult {
  const ok = rounds.filter((r): r is Extract<RunOutcome, { status: "ok" }> => r.status === "ok");
  const notOk = rounds.find((r) => r.status !== "ok") as Exclude<RunOutcome, { status: "ok" }> | undefined;
  const latencyRows = latency.map(({ plan: p, outcome }) => latencyAtRate(p, outcome));
  const integrity = [
    ...ok.map((r) => r.report),
    ...latency.flatMap(({ outcome }) => (outcome.status === "ok" ? [outcome.report] : [])),
  ];
  const sum = (pick: (r: MergedReport) => number) => integrity.reduce((total, r) => total + pick(r), 0);
  const base = {
    variant: target.id,
    kind: target.kind,
    scope: target.scope,
    timing: target.timing,
    mode,
    size: plan.size,
    warmup: plan.warmup,
    window: plan.window,
    lost: sum((r) => r.receiver.lost),
    duplicated: sum((r) => r.receiver.duplicated),
    reordered: sum((r) => r.receiver.reordered),
    corrupt: sum((r) => r.receiver.corrupt),
    rounds: ok.length,
    latency: latencyRows,
    unpinned: pinned ? unpinnedReason(target) : null,
  };
  if (ok.length === 0 || notOk) {
    const status = notOk?.status ?? "failed";
    return {
      ...base,
      status,
      reason: notOk?.reason ?? "no round measured",
      messages: 0,
      received: 0,
      seconds: null,
      msgPerSec: null,
      msgPerSecRange: null,
      unstable: false,
      mbPerSec: null,
      cpuUsPerMsg: null,
      latencyUs: null,
      processes: [],
      native: null,
      nativeNote: status === "not-applicable" ? "not applicable" : null,
    };
  }
  const figures = ok.map((r) => ({ report: r.report, ...throughputOf(r.report) }));
  const rates = spread(figures.map((f) => f.msgPerSec))!;
  const middle = [...figures].sort((a, b) => a.msgPerSec - b.msgPerSec)[
    Math.floor((figures.length - 1) / 2)
  ]!;
  const cpus = figures.map((f) => cpuPerMessage(f.report)).filter((c) => c !== null);
  const lowest = latencyRows[0];
  let native: NativeComparison | null = null;
  let nativeNote: string | null = null;
  if (!target.ceiling) nativeNote = "no native ceiling for this variant";
  else if (!ceiling) nativeNote = "not measured";
  else if (ceiling.status !== "ok" || ceiling.design === null || ceiling.msgPerSec === null)
    nativeNote = `${target.ceiling}: ${ceiling.reason}`;
  else {
    native = {
      mechanism: ceiling.mechanism,
      mode: ceiling.mode,
      design: ceiling.design,
      msgPerSec: ceiling.msgPerSec,
      mbPerSec: (ceiling.msgPerSec * plan.size) / 1e6,
      designs: ceiling.designs,
      ratio: ceiling.msgPerSec > 0 ? rates.median / ceiling.msgPerSec : null,
    };
  }
  return {
    ...base,
    status: "ok",
    reason: null,
    messages: middle.report.sender.measuredSent,
    received: middle.report.receiver.measuredReceived,
    seconds: middle.seconds,
    msgPerSec: rates.median,
    msgPerSecRange: [rates.min, rates.max],
    unstable: rates.unstable,
    mbPerSec: (rates.median * plan.size) / 1e6,
    cpuUsPerMsg:
      cpus.length > 0
        ? { producer: medianOf(cpus.map((c) => c.producer)), consumer: medianOf(cpus.map((c) => c.consumer)) }
        : null,
    latencyUs:
      lowest?.status === "ok"
        ? { p50: lowest.p50!, p99: lowest.p99!, p999: lowest.p999!, max: lowest.max!, mean: lowest.mean! }
        : null,
    processes: middle.report.processes,
    native,
    nativeNote,
  };
}

function medianOf(values: number[]): number {
  return spread(values)!.median;
}

/** The rounds of one C ceiling (mechanism, size, mode) folded into one figure per design. */
export function ceilingResult(
  mechanism: NativeMechanism,
  size: number,
  mode: BenchMode,
  outcomes: NativeOutcome[],
): CeilingResult {
  const ok = outcomes.filter((o): o is Extract<NativeOutcome, { status: "ok" }> => o.status === "ok");
  const notOk = outcomes.find((o) => o.status !== "ok") as
    | Exclude<NativeOutcome, { status: "ok" }>
    | undefined;
  const base = { mechanism, size, mode, rounds: ok.length };
  if (ok.length === 0) {
    return {
      ...base,
      status: notOk?.status ?? "unavailable",
      reason: notOk?.reason ?? "not measured",
      design: null,
      msgPerSec: null,
      msgPerSecRange: null,
      designs: [],
      figures: null,
    };
  }
  const names = [...new Set(ok.flatMap((o) => o.designs.map((d) => d.design)))];
  const designs = names.map((design) => {
    const s = spread(
      ok.flatMap((o) => o.designs.filter((d) => d.design === design).map((d) => d.msgPerSec)),
    )!;
    return { design, msgPerSec: s.median, msgPerSecRange: [s.min, s.max] as [number, number] };
  });
  const best = designs.reduce((a, b) => (a.msgPerSec >= b.msgPerSec ? a : b));
  const figures =
    ok
      .map((o) => o.designs.find((d) => d.design === best.design))
      .filter((d) => d !== undefined)
      .at(-1) ?? null;
  return {
    ...base,
    status: "ok",
    reason: null,
    design: best.design,
    msgPerSec: best.msgPerSec,
    msgPerSecRange: best.msgPerSecRange,
    designs,
    figures,
  };
}

/** Rows whose messages were not delivered exactly once and in order. */
export function integrityFailures(results: BenchResult[]): BenchResult[] {
  return results.filter((r) => r.lost + r.duplicated + r.reordered + r.corrupt > 0);
}
