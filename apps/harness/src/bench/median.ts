/**
 * Medians over several `--json` outputs of the bench, as a Markdown table per size: one run
 * on a shared machine is noise, the median of several is a figure.
 *
 *   node --import tsx apps/harness/src/bench/median.ts run1.json run2.json run3.json
 */

import { readFileSync } from "node:fs";
import { formatNumber, formatRate, formatRatio, formatSize } from "./report-text.ts";
import type { BenchReport, BenchResult } from "./results.ts";
import { median } from "./spread.ts";

export { median } from "./spread.ts";

export function medianTables(reports: BenchReport[]): string {
  const rows = reports.flatMap((r) => r.results);
  const sizes = [...new Set(rows.map((r) => r.size))];
  const out: string[] = [];
  for (const size of sizes) {
    const atSize = rows.filter((r) => r.size === size);
    const variants = [...new Set(atSize.map((r) => r.variant))];
    out.push(
      `**${formatSize(size)}** (median of ${reports.length} runs)`,
      "",
      "| variant | msg/s | MB/s | p50 µs | p99 µs | p99.9 µs | native C msg/s | vs C | lost/dup/reord |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const variant of variants) {
      const runs = atSize.filter((r) => r.variant === variant);
      const ok = runs.filter((r) => r.status === "ok");
      if (ok.length === 0) {
        out.push(`| ${variant} | ${runs[0]!.status}: ${runs[0]!.reason ?? ""} | | | | | | | |`);
        continue;
      }
      const m = (pick: (r: BenchResult) => number | null | undefined) =>
        median(ok.map(pick).filter((v): v is number => typeof v === "number"));
      const bad = (key: "lost" | "duplicated" | "reordered") => ok.reduce((sum, r) => sum + r[key], 0);
      const mechanism = ok.find((r) => r.native)?.native?.mechanism;
      out.push(
        `| ${variant} | ${formatRate(m((r) => r.msgPerSec))} | ${formatNumber(m((r) => r.mbPerSec))} | ${formatNumber(m((r) => r.latencyUs?.p50))} | ${formatNumber(m((r) => r.latencyUs?.p99))} | ${formatNumber(m((r) => r.latencyUs?.p999))} | ${mechanism ? `${formatRate(m((r) => r.native?.msgPerSec))} (${mechanism})` : ""} | ${mechanism ? formatRatio(m((r) => r.native?.ratio)) : ""} | ${bad("lost")}/${bad("duplicated")}/${bad("reordered")} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write("usage: median.ts run1.json [run2.json …]\n");
    process.exit(2);
  }
  const reports = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as BenchReport);
  process.stdout.write(`${medianTables(reports)}\n`);
}
