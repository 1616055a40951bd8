/**
 * The benchmark's blocks in the docs (benchmarks.md, comparison.md, the README's headline), from
 * docs/results.json. Each size gets three narrow tables that fit a screen: throughput, latency
 * at each offered rate, and the comparison with C. A reason that takes a sentence (why a size
 * does not apply, why a run failed, why no C figure) is a numbered note under its table, never a
 * cell: a 400-character cell made every column of the old nine-column table unreadable.
 */

import type { BenchReport, BenchResult } from "../bench/index.ts";
import { formatCpu, formatLatency, formatRate, formatRatio, summaryLine } from "../bench/report-text.ts";

export const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined
    ? "–"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The host and the run, in one line. */
export function machine(report: BenchReport): string {
  const e = report.environment;
  return `${e.cpu}, ${e.cores} cores, ${e.kernel}, Node ${e.node}, ${e.date.slice(0, 10)}, load average ${e.loadAverage[0]} at the start, ${e.rounds ?? 1} round${e.rounds === 1 ? "" : "s"}${e.pinned ? ", pinned" : ""}${e.quick ? ", `--quick`" : ""}`;
}

/** Numbered notes under one table; the same text gets the same number. */
class Notes {
  readonly #texts: string[] = [];

  /** The marker for a cell: "[n]". */
  mark(variant: string, text: string): string {
    const note = `${variant}: ${text}`;
    let index = this.#texts.indexOf(note);
    if (index < 0) index = this.#texts.push(note) - 1;
    return `[${index + 1}]`;
  }

  render(): string {
    return this.#texts.map((text, i) => `- [${i + 1}] ${text}\n`).join("");
  }
}

function table(header: string[], align: string[], body: string[][], notes: Notes): string {
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${align.join(" | ")} |`,
    ...body.map((b) => `| ${b.join(" | ")} |`),
  ];
  const under = notes.render();
  return `${lines.join("\n")}\n${under ? `\n${under}` : ""}`;
}

function throughputTable(rows: BenchResult[]): string {
  const notes = new Notes();
  const body = rows.map((r) => {
    if (r.status !== "ok") {
      const label = r.status === "not-applicable" ? "n/a" : r.status;
      return [r.variant, `${label} ${notes.mark(r.variant, r.reason ?? "no figure")}`, "", ""];
    }
    const range = r.msgPerSecRange ? `${fmt(r.msgPerSecRange[0])}–${fmt(r.msgPerSecRange[1])}` : "–";
    return [r.variant, `${fmt(r.msgPerSec)}${r.unstable ? " ⚠" : ""}`, range, formatCpu(r)];
  });
  return table(
    ["variant", "msg/s (median)", "min–max", "CPU µs/msg (producer/consumer)"],
    ["---", "---:", "---:", "---:"],
    body,
    notes,
  );
}

function latencyTable(rows: BenchResult[], rates: number[]): string {
  const notes = new Notes();
  const measured = rows.filter((r) => rates.some((rate) => r.latency?.some((l) => l.ratePerSec === rate)));
  if (measured.length === 0) return "";
  const body = measured.map((r) => [
    r.variant,
    ...rates.map((rate) => {
      const cell = formatLatency(r, rate);
      const reason = r.latency.find((l) => l.ratePerSec === rate)?.reason;
      return cell === "failed" && reason ? `failed ${notes.mark(r.variant, reason)}` : cell;
    }),
  ]);
  return table(
    ["variant", ...rates.map((rate) => `p50 / p99 µs at ${fmt(rate)} msg/s`)],
    ["---", ...rates.map(() => "---:")],
    body,
    notes,
  );
}

function ceilingTable(rows: BenchResult[]): string {
  const notes = new Notes();
  // Rows with a C ceiling to compare with, measured or not (a missing one says why).
  const compared = rows.filter(
    (r) => r.status === "ok" && (r.native || (r.nativeNote && !r.nativeNote.startsWith("no native ceiling"))),
  );
  if (compared.length === 0) return "";
  const body = compared.map((r) => {
    const n = r.native;
    if (!n) return [r.variant, "–", "–", `– ${notes.mark(r.variant, r.nativeNote ?? "")}`, "–"];
    return [r.variant, n.mode, n.design, fmt(n.msgPerSec), n.ratio ? formatRatio(n.ratio) : "–"];
  });
  return table(
    ["variant", "mode", "best C design", "C msg/s", "Node ÷ C"],
    ["---", "---", "---", "---:", "---:"],
    body,
    notes,
  );
}

/** The tables of one size's rows: throughput, latency (where measured), against C. */
export function numbersTable(rows: BenchResult[], rates: number[] = [1000, 10_000]): string {
  if (rows.length === 0) return "No benchmark results for this variant yet.\n";
  const parts = [`**Throughput**\n\n${throughputTable(rows)}`];
  const latency = latencyTable(rows, rates);
  const kind =
    rows[0]!.mode === "round-trip"
      ? "round-trip time, from each ping's scheduled send time"
      : "one-way, from each message's scheduled send time";
  if (latency) parts.push(`**Latency** at an offered rate (${kind})\n\n${latency}`);
  const ceilings = ceilingTable(rows);
  if (ceilings)
    parts.push(
      `**Against C** (the best of three C designs over the same mechanism, in the variant's timing's mode)\n\n${ceilings}`,
    );
  return parts.join("\n");
}

/** One size's block: the summary line, the chart, the tables, the unstable rows, the host. */
export function benchSummary(results: BenchReport | undefined, size: number, chart: string | null): string {
  if (!results) return "No benchmark results yet.\n";
  const rows = results.results.filter((r) => r.size === size);
  const unstable = rows.filter((r) => r.unstable).map((r) => r.variant);
  const chartText = chart ? `\n![throughput at ${size} B](${chart})\n` : "";
  const unstableText = unstable.length
    ? `⚠ unstable (rounds spread over 25 % of the median): ${unstable.join(", ")}.\n\n`
    : "";
  return `${summaryLine(rows.filter((r) => r.variant !== "null")) ?? ""}\n${chartText}\n${numbersTable(rows, results.environment.rates)}\n${unstableText}${machine(results)}.\n`;
}

/** A family of mechanisms: the package a variant comes from (baselines and the null row apart). */
function familyOf(r: BenchResult, packages: Map<string, { name: string }>): string {
  if (r.variant === "null") return "harness floor (null)";
  if (r.kind === "baseline") return "baselines (Node built-ins, npm packages)";
  return (packages.get(r.variant)?.name ?? r.variant).replace("@ipc-atlas/", "");
}

/** The row of the `posix-mq` package from npm (bench/baselines/posix-mq.ts). */
const POSIX_MQ_NPM = "posix-mq-npm";

/** The flagship at one size against its best C design and against posix-mq from npm, from the same run. */
function flagshipNotes(results: BenchReport, flagship: string | undefined): string[] {
  const notes: string[] = [];
  const at = (variant: string | undefined, size: number) =>
    results.results.find((r) => r.variant === variant && r.size === size);
  for (const size of [64, 1024]) {
    const mq = at(flagship, size);
    if (mq?.status !== "ok" || !mq.msgPerSec) continue;
    const parts = [`- The flagship, ${mq.variant}, at ${size} B: ${fmt(mq.msgPerSec)} msg/s`];
    if (mq.native?.ratio)
      parts.push(
        `, ${formatRatio(mq.native.ratio)} the best C design over the same POSIX queue (${mq.native.design}; C msg/s: ${mq.native.designs.map((d) => `${d.design} ${formatRate(d.msgPerSec)}`).join(", ")})`,
      );
    const npm = at(POSIX_MQ_NPM, size);
    if (npm?.status === "ok" && npm.msgPerSec)
      parts.push(
        `; ${formatRatio(mq.msgPerSec / npm.msgPerSec)} the \`posix-mq\` package from npm over the same kind of queue, measured the same way (${fmt(npm.msgPerSec)} msg/s, row ${POSIX_MQ_NPM})`,
      );
    else if (npm)
      parts.push(
        `; the \`posix-mq\` package from npm: ${npm.status} at this size (${npm.reason ?? "no figure"})`,
      );
    notes.push(`${parts.join("")}.`);
  }
  if (!results.results.some((r) => r.variant === POSIX_MQ_NPM))
    notes.push(
      `- The \`posix-mq\` package from npm (row ${POSIX_MQ_NPM}) was not in this run: \`pnpm ipc-atlas bench ${flagship ?? "message-queues"} ${POSIX_MQ_NPM}\` measures the two side by side.`,
    );
  return notes;
}

/**
 * The README's headline: per family of mechanisms, its fastest variant at 64 B (msg/s, median
 * and range) and that variant's latency at 1,000 msg/s; then the flagship against its best C
 * design and against posix-mq from npm; then the charts (paths from the repository's root).
 */
export function headline(
  results: BenchReport | undefined,
  registry: { flagship: string | undefined; packages: Map<string, { name: string }> },
  charts: string[],
): string {
  if (!results) return "No benchmark results yet: run `pnpm ipc-atlas bench --json docs/results.json`.\n";
  const rows = results.results.filter((r) => r.size === 64 && r.status === "ok" && r.msgPerSec !== null);
  const familyOfRow = (r: BenchResult) => familyOf(r, registry.packages);
  const lines = [
    "| family | fastest at 64 B | msg/s (median, min–max) | p50 / p99 µs at 1,000 msg/s |",
    "| --- | --- | ---: | ---: |",
  ];
  for (const family of new Set(rows.map(familyOfRow))) {
    const best = rows
      .filter((r) => familyOfRow(r) === family)
      .sort((a, b) => b.msgPerSec! - a.msgPerSec!)[0]!;
    const range = best.msgPerSecRange
      ? ` (${formatRate(best.msgPerSecRange[0])}–${formatRate(best.msgPerSecRange[1])})`
      : "";
    lines.push(
      `| ${family} | ${best.variant} | ${formatRate(best.msgPerSec)}${range} | ${formatLatency(best, 1000)} |`,
    );
  }
  const notes = flagshipNotes(results, registry.flagship);
  const chartText = charts
    .map((path) => `![${path.replace(/^.*\//, "").replace(".svg", "")}](${path})`)
    .join("\n\n");
  return `${lines.join("\n")}\n\n${notes.join("\n")}\n\n${chartText}${chartText ? "\n\n" : ""}Measured on ${machine(results)}; every table in [comparison](docs/comparison.md) and [benchmarks](docs/benchmarks.md).\n`;
}
