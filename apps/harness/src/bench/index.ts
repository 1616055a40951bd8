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
import { nativeMechanisms } from "./ceilings.ts";
import { NativeCeilings, type NativeOutcome } from "./native.ts";
import type { BenchMode } from "./protocol.ts";
import { renderHtml } from "./report-html.ts";
import { formatRate, formatSize, renderText } from "./report-text.ts";
import {
  type BenchReport,
  type BenchResult,
  type CeilingResult,
  environment,
  integrityFailures,
  resultRow,
} from "./results.ts";
import { type BenchTarget, baselineTarget, runTargetPlans, variantTarget } from "./runner.ts";
import { HEADER_BYTES, type Plan } from "./workload.ts";

export interface BenchOptions {
  /** Variant or baseline ids; empty for every registered variant plus the baselines. */
  ids: string[];
  sizes: number[];
  /** Measured messages per run (default: see defaultMessages). */
  messages?: number;
  /** Run each measurement for this long instead of a message count. */
  seconds?: number;
  json?: string;
  html?: string;
  quick: boolean;
  mode: "one-way" | "round-trip";
}

export { baselines } from "./baselines/index.ts";
export { ceilingByVariant } from "./ceilings.ts";
export type { BenchReport, BenchResult } from "./results.ts";

export const DEFAULT_SIZES = [64, 1024, 65536];

/** Measured messages per run when neither --messages nor --seconds is given. */
export function defaultMessages(size: number, quick: boolean, mode: BenchMode): number {
  const large = size > 8192;
  if (quick) return mode === "round-trip" ? (large ? 200 : 500) : large ? 500 : 2000;
  return mode === "round-trip" ? (large ? 2000 : 10_000) : large ? 10_000 : 100_000;
}

export function planFor(size: number, options: BenchOptions, epochNs: string): Plan {
  const messages =
    options.seconds !== undefined
      ? 1e12
      : (options.messages ?? defaultMessages(size, options.quick, options.mode));
  const warmup = options.quick ? Math.min(200, messages) : Math.min(5000, Math.ceil(messages / 10));
  // Caps on each run, so a slow variant cannot hold the whole bench hostage; the row says
  // how many messages were measured.
  const maxSeconds = options.seconds ?? (options.quick ? 1.5 : 10);
  const warmupSeconds = options.quick ? 0.3 : 2;
  return { size, warmup, warmupSeconds, messages, maxSeconds, epochNs, window: 1 };
}

function resolveTargets(registry: VariantRegistry, ids: string[]): BenchTarget[] | string {
  const all = [...registry.list().map(variantTarget), ...baselines.map(baselineTarget)];
  if (ids.length === 0) return all;
  const unknown = ids.filter((id) => !all.some((t) => t.id === id));
  if (unknown.length > 0) {
    return `unknown id${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (available: ${all.map((t) => t.id).join(", ")})`;
  }
  return ids.map((id) => all.find((t) => t.id === id)!);
}

/** Progress on stderr: a bar on a terminal, one plain line per step otherwise. */
function progress(total: number) {
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: "bench {bar} {value}/{total} {step}",
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { step: "" });
  let done = 0;
  return {
    start(step: string) {
      if (bar) bar.update(done, { step });
      else process.stderr.write(`[${done + 1}/${total}] ${step} …\n`);
    },
    finish(step: string, outcome: string) {
      done++;
      if (bar) bar.update(done, { step });
      else process.stderr.write(`[${done}/${total}] ${step}: ${outcome}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}

function outcomeText(row: BenchResult): string {
  if (row.status === "ok") return `${formatRate(row.msgPerSec)} msg/s, p50 ${row.latencyUs?.p50} µs`;
  return `${row.status}: ${row.reason}`;
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
  const epochNs = process.hrtime.bigint().toString();
  const env = environment(mode, options.quick);
  const natives = new NativeCeilings();
  const results: BenchResult[] = [];
  const ceilings: CeilingResult[] = [];
  // A full run measures every ceiling (the pipe one too, which no variant maps to); a run of
  // named ids only the ceilings those ids are compared with.
  const mechanisms =
    options.ids.length === 0
      ? nativeMechanisms
      : nativeMechanisms.filter((m) => targets.some((t) => t.ceiling === m));
  const steps = progress(sizes.length * (targets.length + mechanisms.length));
  const plans = sizes.map((size) => planFor(size, options, epochNs));
  try {
    // The ceilings first, so each Node row can be set beside its C figure from this same run.
    const nativeOutcomes = new Map<string, NativeOutcome>();
    for (const plan of plans) {
      for (const mechanism of mechanisms) {
        const step = `native ${mechanism} ${formatSize(plan.size)}`;
        steps.start(step);
        const outcome = await natives.measure(mechanism, plan, mode);
        nativeOutcomes.set(`${mechanism}/${plan.size}`, outcome);
        ceilings.push({
          mechanism,
          size: plan.size,
          mode,
          status: outcome.status,
          reason: outcome.status === "ok" ? null : outcome.reason,
          figures: outcome.status === "ok" ? outcome.figures : null,
        });
        steps.finish(
          step,
          outcome.status === "ok" ? `${formatRate(outcome.figures.msgPerSec)} msg/s` : outcome.reason,
        );
      }
    }
    for (const target of targets) {
      const step = (plan: Plan) => `${target.id} ${formatSize(plan.size)}`;
      await runTargetPlans(
        target,
        plans,
        mode,
        // --quick keeps a target's processes for all sizes: starting them is most of a quick run.
        { reuseProcesses: options.quick },
        {
          onStart: (plan) => steps.start(step(plan)),
          onDone: (plan, outcome) => {
            const native = target.ceiling
              ? (nativeOutcomes.get(`${target.ceiling}/${plan.size}`) ?? null)
              : null;
            const row = resultRow(target, plan, mode, outcome, native);
            results.push(row);
            steps.finish(step(plan), outcomeText(row));
          },
        },
      );
    }
    // Tables and charts go size by size, targets in registry order within a size.
    const order = (r: BenchResult) =>
      sizes.indexOf(r.size) * targets.length + targets.findIndex((t) => t.id === r.variant);
    results.sort((a, b) => order(a) - order(b));
  } finally {
    steps.stop();
    await natives.dispose();
  }
  const report: BenchReport = { environment: env, results, ceilings };
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
