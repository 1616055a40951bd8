/**
 * The terminal view of a BenchReport: the environment first, then one table per size with a
 * summary line people read first, then the native ceilings.
 */

import type { BenchReport, BenchResult, CeilingResult } from "./results.ts";

export function formatRate(n: number | null): string {
  if (n === null) return "—";
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  return n.toFixed(n >= 100 ? 0 : 1);
}

export function formatNumber(n: number | null, digits = 1): string {
  if (n === null) return "—";
  if (n >= 1000) return Math.round(n).toLocaleString("en-US");
  return n.toFixed(n >= 100 ? 0 : digits);
}

/** Node ÷ C: two significant digits, so 0.0031× does not print as 0.00×. */
export function formatRatio(ratio: number | null): string {
  if (ratio === null) return "—";
  return `${ratio >= 1 ? ratio.toFixed(2) : ratio.toPrecision(2)}×`;
}

export function formatSize(size: number): string {
  if (size >= 1024 && size % 1024 === 0) return `${size / 1024} KiB`;
  return `${size} B`;
}

function cpuMs(result: BenchResult): string {
  if (result.processes.length === 0) return "—";
  return result.processes.map((p) => Math.round(p.cpu.userMs + p.cpu.systemMs)).join("/");
}

function rssMiB(result: BenchResult): string {
  if (result.processes.length === 0) return "—";
  return result.processes.map((p) => Math.round(p.maxRssKiB / 1024)).join("/");
}

function checks(result: BenchResult): string {
  if (result.status !== "ok") return "—";
  const bad = result.lost + result.duplicated + result.reordered + result.corrupt;
  if (bad === 0) return "ok";
  return `LOST ${result.lost} DUP ${result.duplicated} REORD ${result.reordered}${result.corrupt ? ` BAD ${result.corrupt}` : ""}`;
}

function nativeCell(result: BenchResult): [string, string] {
  if (result.native) {
    const ratio = formatRatio(result.native.ratio);
    return [`${formatRate(result.native.msgPerSec)} (${result.native.mechanism})`, ratio];
  }
  if (result.status !== "ok") return ["", ""];
  if (result.nativeNote?.startsWith("no native ceiling")) return ["", ""];
  return [result.nativeNote ?? "", ""];
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)];
}

/** "fastest: X, N× the slowest (Y)" over the rows that have a figure. */
export function summaryLine(results: BenchResult[]): string | null {
  const measured = results.filter((r) => r.msgPerSec !== null && r.msgPerSec > 0);
  if (measured.length === 0) return null;
  const sorted = [...measured].sort((a, b) => b.msgPerSec! - a.msgPerSec!);
  const fastest = sorted[0]!;
  const slowest = sorted[sorted.length - 1]!;
  const factor = fastest.msgPerSec! / slowest.msgPerSec!;
  return (
    `fastest: ${fastest.variant} ${formatRate(fastest.msgPerSec)} msg/s, ` +
    `${factor >= 10 ? factor.toFixed(0) : factor.toFixed(1)}× the slowest (${slowest.variant} ${formatRate(slowest.msgPerSec)} msg/s)`
  );
}

export function renderText(report: BenchReport): string {
  const env = report.environment;
  const out: string[] = [
    `ipc-atlas bench — ${env.mode}${env.quick ? " (quick)" : ""}`,
    `CPU: ${env.cpu} × ${env.cores} cores · kernel ${env.kernel} · Node ${env.node} (${env.arch}) · ${env.date}`,
    `load average at start: ${env.loadAverage.join(" ")} · C compiler: ${env.compiler ?? "none"}`,
    "",
  ];
  const latency = env.mode === "one-way" ? "one-way latency" : "round-trip time";
  const sizes = [...new Set(report.results.map((r) => r.size))];
  for (const size of sizes) {
    const rows = report.results.filter((r) => r.size === size);
    const ok = rows.filter((r) => r.status === "ok");
    const plan =
      ok.length > 0 ? { warmup: ok[0]!.warmup, messages: Math.max(...ok.map((r) => r.messages)) } : undefined;
    out.push(
      `── ${formatSize(size)} messages, ${env.mode}${plan ? ` (${plan.warmup} warm-up, then up to ${plan.messages} measured)` : ""} · latency = ${latency} in µs`,
    );
    const body = rows.map((r) => {
      const [native, ratio] = nativeCell(r);
      if (r.status !== "ok") {
        const label = r.status === "not-applicable" ? "n/a" : "FAILED";
        return [r.variant, label, r.reason ?? "", "", "", "", "", "", "", "", "", ""];
      }
      return [
        r.variant,
        formatRate(r.msgPerSec),
        formatNumber(r.mbPerSec),
        formatNumber(r.latencyUs!.p50),
        formatNumber(r.latencyUs!.p99),
        formatNumber(r.latencyUs!.p999),
        cpuMs(r),
        rssMiB(r),
        native,
        ratio,
        String(r.messages),
        checks(r),
      ];
    });
    const header = [
      "variant",
      "msg/s",
      "MB/s",
      "p50",
      "p99",
      "p99.9",
      "CPU ms",
      "RSS MiB",
      "native C msg/s",
      "vs C",
      "n",
      "check",
    ];
    // Rows that only say why (n/a, FAILED) print their reason unpadded after the label.
    const aligned = table(
      header,
      body.map((b) => (b[1] === "n/a" || b[1] === "FAILED" ? [b[0]!, b[1]!] : b)),
      new Set([1, 2, 3, 4, 5, 9, 10]),
    );
    aligned.forEach((line, i) => {
      const row = i >= 2 ? body[i - 2] : undefined;
      out.push(row && (row[1] === "n/a" || row[1] === "FAILED") ? `${line}  ${row[2]}` : line);
    });
    const summary = summaryLine(rows);
    if (summary) out.push(summary);
    out.push("");
  }
  if (report.ceilings.length > 0) out.push(...renderCeilings(report.ceilings), "");
  out.push(
    "CPU ms: CPU time of each process over the measured window (producer/consumer, or one figure for one process).",
    "RSS MiB: peak resident set of each process. vs C: Node msg/s ÷ the same workload in C over the mechanism named.",
  );
  return out.join("\n");
}

function renderCeilings(ceilings: CeilingResult[]): string[] {
  const header = ["native C", "size", "msg/s", "MB/s", "p50", "p99", "p99.9"];
  const rows = ceilings.map((c) =>
    c.figures
      ? [
          c.mechanism,
          formatSize(c.size),
          formatRate(c.figures.msgPerSec),
          formatNumber(c.figures.mbPerSec),
          formatNumber(c.figures.latencyUs.p50),
          formatNumber(c.figures.latencyUs.p99),
          formatNumber(c.figures.latencyUs.p999),
        ]
      : [c.mechanism, formatSize(c.size), c.status === "not-applicable" ? "n/a" : "—"],
  );
  const lines = table(header, rows, new Set([1, 2, 3, 4, 5, 6]));
  // The reason of a row without figures goes after it, unpadded, so it does not widen a column.
  return [
    "── native ceilings (the same workload in C, two processes)",
    ...lines.map((line, i) => {
      const c = i >= 2 ? ceilings[i - 2] : undefined;
      return c && !c.figures ? `${line}  ${c.reason ?? ""}` : line;
    }),
  ];
}
