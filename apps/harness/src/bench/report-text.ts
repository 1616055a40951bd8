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

/** "1.20M (1.02M–1.31M)": the median and the min–max of the rounds. */
export function formatRange(result: BenchResult): string {
  if (!result.msgPerSecRange || result.rounds < 2) return "";
  const [min, max] = result.msgPerSecRange;
  return `${formatRate(min)}–${formatRate(max)}`;
}

/** CPU µs per message, producer/consumer; one process gives no split. */
export function formatCpu(result: BenchResult): string {
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2));
  if (result.cpuUsPerMsg) return `${f(result.cpuUsPerMsg.producer)}/${f(result.cpuUsPerMsg.consumer)}`;
  // One process ran both sides (in-process variants, the null row): one figure for both.
  const [only] = result.processes;
  if (result.processes.length !== 1 || !only || result.received === 0) return "—";
  return `${f(((only.cpu.userMs + only.cpu.systemMs) * 1000) / result.received)} both`;
}

/** One rate's latency cell: "p50 / p99" in µs, or "saturated at 3.2k". */
export function formatLatency(result: BenchResult, rate: number): string {
  // A report saved before the latency pass existed has no `latency`.
  const l = result.latency?.find((x) => x.ratePerSec === rate);
  if (!l) return "—";
  if (l.status === "saturated") return `saturated (${formatRate(l.reachedPerSec)}/s)`;
  if (l.status === "failed") return "failed";
  return `${formatNumber(l.p50)} / ${formatNumber(l.p99)}`;
}

function checks(result: BenchResult): string {
  if (result.status !== "ok") return "—";
  const bad = result.lost + result.duplicated + result.reordered + result.corrupt;
  if (bad === 0) return result.unstable ? "ok, UNSTABLE" : "ok";
  return `LOST ${result.lost} DUP ${result.duplicated} REORD ${result.reordered}${result.corrupt ? ` BAD ${result.corrupt}` : ""}`;
}

function nativeCell(result: BenchResult): [string, string] {
  if (result.native) {
    const ratio = formatRatio(result.native.ratio);
    // Reports saved before the designs existed name only the mechanism.
    const how = [result.native.mechanism, result.native.mode, result.native.design].filter(Boolean).join(" ");
    return [`${formatRate(result.native.msgPerSec)} (${how})`, ratio];
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
  const rates = env.rates ?? [];
  const out: string[] = [
    `ipc-atlas bench — ${env.mode}${env.quick ? " (quick)" : ""} · ${env.rounds ?? 1} round${(env.rounds ?? 1) === 1 ? "" : "s"}${env.pinned ? " · pinned (producer CPU 1, consumer CPU 0)" : ""}`,
    `CPU: ${env.cpu} × ${env.cores} cores · kernel ${env.kernel} · Node ${env.node} (${env.arch}) · ${env.date}`,
    `load average at start: ${env.loadAverage.join(" ")} · C compiler: ${env.compiler ?? "none"}`,
    "",
  ];
  const latencyKind = env.mode === "one-way" ? "one-way latency" : "round-trip time";
  const sizes = [...new Set(report.results.map((r) => r.size))];
  for (const size of sizes) {
    const rows = report.results.filter((r) => r.size === size);
    out.push(
      `── ${formatSize(size)} messages, ${env.mode} · msg/s = median of the rounds (min–max) · latency = ${latencyKind} p50 / p99 in µs at an offered rate`,
    );
    const hasLatency = rows.some((r) => (r.latency?.length ?? 0) > 0);
    const shownRates = hasLatency ? rates : [];
    const body = rows.map((r) => {
      const [native, ratio] = nativeCell(r);
      if (r.status !== "ok") {
        const label = r.status === "not-applicable" ? "n/a" : "FAILED";
        return [r.variant, label, r.reason ?? ""];
      }
      return [
        r.variant,
        formatRate(r.msgPerSec),
        formatRange(r),
        formatCpu(r),
        ...shownRates.map((rate) => formatLatency(r, rate)),
        native,
        ratio,
        checks(r),
      ];
    });
    const header = [
      "variant",
      "msg/s",
      "range",
      "CPU µs/msg",
      ...shownRates.map((rate) => `@${formatRate(rate)}/s`),
      "best C msg/s (design)",
      "vs C",
      "check",
    ];
    // Rows that only say why (n/a, FAILED) print their reason unpadded after the label.
    const aligned = table(
      header,
      body.map((b) => (b[1] === "n/a" || b[1] === "FAILED" ? [b[0]!, b[1]!] : b)),
      new Set([1, 2, 3, ...shownRates.map((_, i) => 4 + i), 6 + shownRates.length - 1]),
    );
    aligned.forEach((line, i) => {
      const row = i >= 2 ? body[i - 2] : undefined;
      out.push(row && (row[1] === "n/a" || row[1] === "FAILED") ? `${line}  ${row[2]}` : line);
    });
    const summary = summaryLine(rows.filter((r) => r.variant !== "null"));
    if (summary) out.push(summary);
    for (const { variant, baseline } of report.yardsticks ?? []) {
      const row = rows.find((r) => r.variant === variant);
      const yardstick = rows.find((r) => r.variant === baseline);
      if (!row?.msgPerSec || !yardstick?.msgPerSec) continue;
      out.push(
        `${variant} ÷ ${baseline} (same run): ${formatRatio(row.msgPerSec / yardstick.msgPerSec)} (${formatRate(row.msgPerSec)} ÷ ${formatRate(yardstick.msgPerSec)} msg/s)`,
      );
    }
    const unstable = rows.filter((r) => r.unstable).map((r) => r.variant);
    if (unstable.length > 0) out.push(`unstable (rounds spread over 25 %): ${unstable.join(", ")}`);
    for (const [reason, ids] of unpinnedRows(rows)) out.push(`not pinned: ${ids.join(", ")}: ${reason}`);
    out.push("");
  }
  if (report.ceilings.length > 0) out.push(...renderCeilings(report.ceilings), "");
  out.push(
    "CPU µs/msg: CPU time per message of the producer/consumer process (pinger/ponger in round trips), median of the rounds;",
    "'both': one process ran both sides (the median round's figure).",
    "vs C: Node msg/s ÷ the best of three C designs (blocking, epoll, spin) over the mechanism named, in the variant's",
    "timing's mode: one-way for asynchronous variants, round trip for synchronous ones. null: the bench's own floor.",
    "saturated: the variant did not keep up with the offered rate (under 90 % of it arrived per second, or the producer never got back on schedule in the last quarter of the run); the rate it reached is given instead of a latency.",
  );
  return out.join("\n");
}

function renderCeilings(ceilings: CeilingResult[]): string[] {
  const designs = [...new Set(ceilings.flatMap((c) => (c.designs ?? []).map((d) => d.design)))];
  const header = ["native C", "mode", "size", ...designs, "best"];
  const rows = ceilings.map((c) =>
    c.status === "ok"
      ? [
          c.mechanism,
          c.mode,
          formatSize(c.size),
          ...designs.map((d) => formatRate(c.designs?.find((x) => x.design === d)?.msgPerSec ?? null)),
          c.design ?? "",
        ]
      : [c.mechanism, c.mode, formatSize(c.size), c.status === "not-applicable" ? "n/a" : "—"],
  );
  const lines = table(header, rows, new Set([2, ...designs.map((_, i) => 3 + i)]));
  return [
    "── native ceilings: msg/s of the same workload in C, two processes, median of the rounds per design",
    ...lines.map((line, i) => {
      const c = i >= 2 ? ceilings[i - 2] : undefined;
      return c && c.status !== "ok" ? `${line}  ${c.reason ?? ""}` : line;
    }),
  ];
}

/** Rows --pin left unpinned, grouped by why. */
export function unpinnedRows(rows: BenchResult[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of rows)
    if (r.unpinned) groups.set(r.unpinned, [...(groups.get(r.unpinned) ?? []), r.variant]);
  return groups;
}
