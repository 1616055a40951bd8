/**
 * `ipc-atlas bench`: the same workload through every variant and baseline, measured the
 * same way (see workload.ts for the method, runner.ts for the process layout, native.ts for
 * the C ceilings). Writes a terminal table to stdout, progress to stderr, and optionally a
 * JSON file and a self-contained HTML report. Returns the exit code: non-zero, naming the
 * variant, when any message was lost, duplicated or reordered, or a run failed.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { VariantRegistry } from "@ipc-atlas/core";
import cliProgress from "cli-progress";
import { baselines } from "./baselines/index.ts";
import type { NativeMechanism } from "./ceilings.ts";
import { NativeCeilings, type NativeOutcome } from "./native.ts";
import type { BenchMode } from "./protocol.ts";
import { renderHtml } from "./report-html.ts";
import { formatRate, formatSize, renderText } from "./report-text.ts";
import {
  type BenchReport,
  type BenchResult,
  type CeilingResult,
  ceilingResult,
  environment,
  integrityFailures,
  nativeModeFor,
  resultRow,
} from "./results.ts";
import {
  type BenchTarget,
  baselineTarget,
  nullTarget,
  planForTarget,
  type RunOutcome,
  TargetProcesses,
  variantTarget,
} from "./runner.ts";
import { HEADER_BYTES, type Plan } from "./workload.ts";

export interface BenchOptions {
  /** Variant or baseline ids; empty for every registered variant plus the baselines. The `null` row is always added. */
  ids: string[];
  sizes: number[];
  /** Measured messages per throughput run (default: as many as fit in the run's seconds). */
  messages?: number;
  /** Measure each throughput run for this long. */
  seconds?: number;
  json?: string;
  html?: string;
  quick: boolean;
  mode: "one-way" | "round-trip";
  /** Throughput rounds (default 3, 1 with --quick). */
  rounds?: number;
  /** The latency pass's offered rates in msg/s (default 1,000 and 10,000); empty skips the pass. */
  rates?: number[];
  /** Seconds per offered rate (default 2, 0.5 with --quick). */
  rateSeconds?: number;
  /** Producer and consumer on different CPUs. */
  pin?: boolean;
}

export { baselines } from "./baselines/index.ts";
export { ceilingOf } from "./ceilings.ts";
export type { BenchReport, BenchResult } from "./results.ts";

export const DEFAULT_SIZES = [64, 1024, 65536];
export const DEFAULT_RATES = [1000, 10_000];
/** The latency pass runs at the smallest size of the run: it is about time, not bytes. */

/** The throughput plan of one size (before a target's window is applied). */
export function planFor(size: number, options: BenchOptions, epochNs: string): Plan {
  const counted = options.messages !== undefined;
  const messages = options.messages ?? 5_000_000;
  const warmup = counted ? Math.min(5000, Math.ceil(messages / 10)) : options.quick ? 2000 : 20_000;
  // A throughput run lasts about maxSeconds; with a message count the cap is only a safety net.
  const maxSeconds = options.seconds ?? (counted ? 30 : options.quick ? 0.3 : 0.75);
  const warmupSeconds = options.quick ? 0.1 : 0.25;
  return {
    size,
    pass: "throughput",
    ratePerSec: null,
    warmup,
    warmupSeconds,
    messages,
    maxSeconds,
    epochNs,
    window: 1,
  };
}

/** The latency plan of one size at one offered rate: a fifth of a second of warm-up at the same rate. */
export function latencyPlanFor(size: number, rate: number, seconds: number, epochNs: string): Plan {
  return {
    size,
    pass: "latency",
    ratePerSec: rate,
    warmup: Math.max(1, Math.round(rate * 0.2)),
    warmupSeconds: 0.2,
    messages: Math.max(1, Math.round(rate * seconds)),
    maxSeconds: seconds,
    epochNs,
    window: 1,
  };
}

/** The C ceiling a target is compared with: its mechanism, in its timing's mode; null without one. */
export function ceilingPlanFor(
  target: BenchTarget,
  mode: BenchMode,
): { mechanism: NativeMechanism; mode: BenchMode } | null {
  return target.ceiling ? { mechanism: target.ceiling, mode: nativeModeFor(target.timing, mode) } : null;
}

/** The C side's share of a plan: shorter than the Node side's (three designs run each time). */
function nativePlan(plan: Plan, quick: boolean): Plan {
  return {
    ...plan,
    warmup: Math.min(plan.warmup, 20_000),
    messages: 5_000_000,
    maxSeconds: quick ? 0.15 : 0.3,
  };
}

function resolveTargets(registry: VariantRegistry, ids: string[]): BenchTarget[] | string {
  const all = [...registry.list().map(variantTarget), ...baselines.map(baselineTarget)];
  const chosen = ids.filter((id) => id !== "null");
  const unknown = chosen.filter((id) => !all.some((t) => t.id === id));
  if (unknown.length > 0) {
    return `unknown id${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (available: ${all.map((t) => t.id).join(", ")})`;
  }
  // No ids: everything. `null` alone: the floor alone.
  return [nullTarget(), ...(ids.length === 0 ? all : chosen.map((id) => all.find((t) => t.id === id)!))];
}

/** Progress on stderr: a bar on a terminal, one plain line per step otherwise. */
function progress(total: number) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: "bench {bar} {value}/{total} · {duration_formatted} · ETA {eta_formatted} · {step}",
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { step: "" });
  let done = 0;
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  return {
    start(step: string) {
      if (bar) bar.update(done, { step });
      else process.stderr.write(`[${done + 1}/${total} ${elapsed()}] ${step} …\n`);
    },
    finish(step: string, outcome: string) {
      done++;
      if (bar) bar.update(done, { step });
      else process.stderr.write(`[${done}/${total} ${elapsed()}] ${step}: ${outcome}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}

function outcomeText(plan: Plan, outcome: RunOutcome): string {
  if (outcome.status !== "ok") return `${outcome.status}: ${outcome.reason}`;
  const { receiver } = outcome.report;
  if (plan.pass === "latency") {
    return receiver.latencyUs
      ? `p50 ${receiver.latencyUs.p50} µs, ${receiver.measuredReceived} messages`
      : "no latency";
  }
  const seconds = Math.max(1e-9, (receiver.timedNs - receiver.firstNs) / 1e9);
  return `${formatRate(receiver.timedCount > 0 ? receiver.timedCount / seconds : receiver.measuredReceived)} msg/s`;
}

function stepName(target: BenchTarget, plan: Plan, round: number, rounds: number): string {
  const what =
    plan.pass === "latency" ? `latency ${formatRate(plan.ratePerSec)} msg/s` : `round ${round + 1}/${rounds}`;
  return `${target.id} ${formatSize(plan.size)} ${what}`;
}

export async function runBench(registry: VariantRegistry, options: BenchOptions): Promise<number> {
  const targets = resolveTargets(registry, options.ids);
  if (typeof targets === "string") {
    process.stderr.write(`ipc-atlas bench: ${targets}\n`);
    return 2;
  }
  const sizes = options.sizes.length > 0 ? options.sizes : DEFAULT_SIZES;
  const tooSmall = sizes.filter((s) => !Number.isInteger(s) || s < HEADER_BYTES);
  if (tooSmall.length > 0) {
    process.stderr.write(
      `ipc-atlas bench: sizes must be whole numbers of at least ${HEADER_BYTES} bytes (the sequence number and timestamp header): ${tooSmall.join(", ")}\n`,
    );
    return 2;
  }
  const mode = options.mode;
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const rates = options.rates ?? DEFAULT_RATES;
  const rateSeconds = options.rateSeconds ?? (options.quick ? 0.5 : 2);
  const pin = options.pin ?? false;
  if (!Number.isInteger(rounds) || rounds < 1 || rates.some((r) => !(r > 0))) {
    process.stderr.write("ipc-atlas bench: --rounds takes a whole number ≥ 1 and --rates positive msg/s\n");
    return 2;
  }
  const epochNs = process.hrtime.bigint().toString();
  const env = environment(mode, options.quick, { rounds, rates, pinned: pin });
  const natives = new NativeCeilings();
  const plans = sizes.map((size) => planFor(size, options, epochNs));
  const latencySize = Math.min(...sizes);
  const latencyPlans = rates.map((rate) => latencyPlanFor(latencySize, rate, rateSeconds, epochNs));
  // Each ceiling (mechanism, mode) serves the targets with that mechanism and timing.
  const ceilingKeys = [
    ...new Set(targets.filter((t) => t.ceiling).map((t) => `${t.ceiling}|${nativeModeFor(t.timing, mode)}`)),
  ];
  const steps = progress(
    rounds * (targets.length * plans.length + ceilingKeys.length * plans.length) +
      targets.filter((t) => !t.baseline?.throughputOnly).length * latencyPlans.length,
  );
  const throughput = new Map<string, RunOutcome[]>();
  const latency = new Map<string, { plan: Plan; outcome: RunOutcome }[]>();
  const nativeRounds = new Map<string, NativeOutcome[]>();
  // Each target keeps its processes from round to round (and between its sizes and passes).
  const processes = new Map(targets.map((t) => [t.id, new TargetProcesses()]));
  const push = <T>(map: Map<string, T[]>, key: string, value: T) => {
    const list = map.get(key) ?? [];
    list.push(value);
    map.set(key, list);
  };
  try {
    for (let round = 0; round < rounds; round++) {
      const measured = new Set<string>();
      // Targets take turns within a round, so drift of a shared machine hits them alike.
      for (const target of targets) {
        // The C ceilings right before the first Node row they serve in this round.
        const ceiling = ceilingPlanFor(target, mode);
        const nMode = ceiling?.mode ?? mode;
        const key = `${target.ceiling}|${nMode}`;
        if (target.ceiling && !measured.has(key)) {
          measured.add(key);
          for (const plan of plans) {
            const step = `native ${target.ceiling} ${nMode} ${formatSize(plan.size)} round ${round + 1}/${rounds}`;
            steps.start(step);
            const outcome = await natives.measure(target.ceiling, nativePlan(plan, options.quick), nMode, {
              pin,
            });
            push(nativeRounds, `${target.ceiling}|${nMode}|${plan.size}`, outcome);
            steps.finish(
              step,
              outcome.status === "ok"
                ? `${formatRate(outcome.best.msgPerSec)} msg/s (${outcome.best.design})`
                : outcome.reason,
            );
          }
        }
        // The latency pass once, in the last round, in the same processes.
        const latencyToo = round === rounds - 1 && !target.baseline?.throughputOnly;
        const runPlans = latencyToo ? [...plans, ...latencyPlans] : plans;
        await processes.get(target.id)!.run(
          target,
          runPlans,
          mode,
          { reuseProcesses: true, pin },
          {
            onStart: (plan) => steps.start(stepName(target, plan, round, rounds)),
            onDone: (plan, outcome) => {
              if (plan.pass === "latency") push(latency, `${target.id}|${plan.size}`, { plan, outcome });
              else push(throughput, `${target.id}|${plan.size}`, outcome);
              steps.finish(stepName(target, plan, round, rounds), outcomeText(plan, outcome));
            },
          },
        );
      }
    }
  } finally {
    steps.stop();
    await Promise.all([...processes.values()].map((p) => p.dispose()));
    await natives.dispose();
  }
  const ceilings: CeilingResult[] = [];
  for (const [key, outcomes] of nativeRounds) {
    const [mechanism, nMode, size] = key.split("|") as [NativeMechanism, BenchMode, string];
    ceilings.push(ceilingResult(mechanism, Number(size), nMode, outcomes));
  }
  // Tables and charts go size by size, targets in the order given within a size.
  const results: BenchResult[] = [];
  for (const plan of plans) {
    for (const target of targets) {
      const ceiling =
        ceilings.find(
          (c) =>
            c.mechanism === target.ceiling &&
            c.size === plan.size &&
            c.mode === nativeModeFor(target.timing, mode),
        ) ?? null;
      results.push(
        resultRow(
          target,
          planForTarget(target, plan),
          mode,
          throughput.get(`${target.id}|${plan.size}`) ?? [],
          latency.get(`${target.id}|${plan.size}`) ?? [],
          ceiling,
          pin,
        ),
      );
    }
  }
  const report: BenchReport = {
    environment: env,
    results,
    ceilings,
    yardsticks: baselines.flatMap((b) => (b.yardstickOf ? [{ variant: b.yardstickOf, baseline: b.id }] : [])),
  };
  process.stdout.write(`${renderText(report)}\n`);
  if (options.json) writeOutput(options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (options.html) writeOutput(options.html, renderHtml(report));
  return verdict(results);
}

function writeOutput(file: string, content: string): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  process.stderr.write(`wrote ${path}\n`);
}

/** 0 when every message of every run arrived exactly once and in order and no run failed. */
function verdict(results: BenchResult[]): number {
  const broken = integrityFailures(results);
  const failed = results.filter((r) => r.status === "failed");
  for (const r of broken) {
    process.stderr.write(
      `ipc-atlas bench: ${r.variant} at ${formatSize(r.size)}: ${r.lost} lost, ${r.duplicated} duplicated, ${r.reordered} reordered${r.corrupt ? `, ${r.corrupt} of the wrong size` : ""}\n`,
    );
  }
  for (const r of failed)
    process.stderr.write(`ipc-atlas bench: ${r.variant} at ${formatSize(r.size)} failed: ${r.reason}\n`);
  return broken.length > 0 || failed.length > 0 ? 1 : 0;
}
