/**
 * The HTML view of a BenchReport: one self-contained file. Chart.js's UMD build is read from
 * node_modules and inlined with the data, so the page needs no network when it is opened.
 * Charts: throughput per size (a bar at the median of the rounds, a whisker from the slowest
 * to the fastest round, a diamond at the best C design of the variant's mode), variants
 * grouped by the taxonomy; latency percentiles per offered rate; the ratio to the C ceiling.
 * Each canvas has an id; the page's charts are Chart.js instances that a test can read back
 * (Chart.getChart(canvas)); the whiskers are the bar dataset's `whiskers` ([min, max] per bar).
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  formatCpu,
  formatLatency,
  formatRange,
  formatRate,
  formatRatio,
  formatSize,
  summaryLine,
  unpinnedRows,
} from "./report-text.ts";
import type { BenchReport, BenchResult } from "./results.ts";

const require = createRequire(import.meta.url);

function chartJs(): string {
  // The package's exports hide dist/, so find it next to the CommonJS entry.
  const entry = require.resolve("chart.js");
  return readFileSync(join(dirname(entry), "chart.umd.min.js"), "utf8");
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

/** The taxonomy group a row is shown in: scope and timing (baselines and the null row last). */
export function groupOf(r: Pick<BenchResult, "kind" | "scope" | "timing" | "variant">): string {
  if (r.variant === "null") return "harness floor";
  if (r.kind === "baseline") return `baseline · ${r.scope}`;
  return `${r.scope} · ${r.timing ?? ""}`;
}

/** Variants in taxonomy order: grouped by scope and timing, the groups in order of appearance. */
export function groupedVariants(report: BenchReport): string[] {
  const first = new Map<string, BenchResult>();
  for (const r of report.results) if (!first.has(r.variant)) first.set(r.variant, r);
  const rows = [...first.values()];
  const groups = [...new Set(rows.map(groupOf))];
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => groups.indexOf(groupOf(a.r)) - groups.indexOf(groupOf(b.r)) || a.i - b.i)
    .map(({ r }) => r.variant);
}

function resultsTable(report: BenchReport): string {
  const rates = report.environment.rates ?? [];
  const rows = report.results.map((r) => {
    const cells =
      r.status === "ok"
        ? [
            formatRate(r.msgPerSec),
            formatRange(r),
            formatCpu(r),
            ...rates.map((rate) => formatLatency(r, rate)),
            r.native
              ? `${formatRate(r.native.msgPerSec)} (${r.native.mechanism} ${r.native.mode}, ${r.native.design})`
              : r.nativeNote?.startsWith("no native ceiling")
                ? ""
                : (r.nativeNote ?? ""),
            r.native?.ratio != null ? formatRatio(r.native.ratio) : "",
            `${r.lost}/${r.duplicated}/${r.reordered}${r.unstable ? " · unstable" : ""}`,
          ]
        : [`${r.status === "not-applicable" ? "n/a" : "FAILED"}: ${r.reason ?? ""}`];
    const width = 6 + rates.length;
    const tds = cells.map(
      (c, i) =>
        `<td${cells.length === 1 ? ` colspan="${width}"` : i < 3 + rates.length ? ' class="num"' : ""}>${escapeHtml(c)}</td>`,
    );
    const cls = r.unstable ? ' class="unstable"' : "";
    return `<tr${cls}><td>${escapeHtml(r.variant)}</td><td>${escapeHtml(groupOf(r))}</td><td class="num">${formatSize(r.size)}</td>${tds.join("")}</tr>`;
  });
  const rateHeads = rates.map((rate) => `<th>p50 / p99 µs at ${formatRate(rate)} msg/s</th>`).join("");
  return `<table><thead><tr><th>variant</th><th>group</th><th>size</th><th>msg/s (median)</th><th>min–max</th><th>CPU µs/msg</th>${rateHeads}<th>best C</th><th>vs C</th><th>lost/dup/reord</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function renderHtml(report: BenchReport): string {
  const env = report.environment;
  const sizes = [...new Set(report.results.map((r) => r.size))];
  const rates = env.rates ?? [];
  const latencySizes = sizes.filter((size) =>
    report.results.some((r) => r.size === size && (r.latency?.length ?? 0) > 0),
  );
  const summaries = sizes
    .map((size) => {
      const line = summaryLine(report.results.filter((r) => r.size === size && r.variant !== "null"));
      return line ? `<li><b>${formatSize(size)}</b>: ${escapeHtml(line)}</li>` : "";
    })
    .join("");
  const unstable = report.results.filter((r) => r.unstable).map((r) => `${r.variant} ${formatSize(r.size)}`);
  const latencyKind = env.mode === "one-way" ? "one-way latency" : "round-trip time";
  const throughputCanvases = sizes
    .map(
      (size) =>
        `<h3>${formatSize(size)}</h3><div class="chart"><canvas id="throughput-${size}"></canvas></div>`,
    )
    .join("");
  const latencyCanvases = latencySizes
    .flatMap((size) =>
      rates.map(
        (rate) =>
          `<h3>${formatSize(size)} at ${formatRate(rate)} msg/s offered</h3><div class="chart"><canvas id="latency-${size}-${rate}"></canvas></div>`,
      ),
    )
    .join("");
  const data = {
    ...report,
    order: groupedVariants(report),
    groups: Object.fromEntries(report.results.map((r) => [r.variant, groupOf(r)])),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ipc-atlas bench — ${escapeHtml(env.mode)} — ${escapeHtml(env.date)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
.env { color: #555; } .chart { position: relative; height: 440px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; } td, th { border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; } tr.unstable td { background: #fff4e0; }
</style>
</head>
<body>
<h1>ipc-atlas bench — ${escapeHtml(env.mode)}${env.quick ? " (quick)" : ""}</h1>
<p class="env">${escapeHtml(env.cpu)} × ${env.cores} cores · ${escapeHtml(env.kernel)} · Node ${escapeHtml(env.node)} · ${escapeHtml(env.date)} · load ${env.loadAverage.join(" ")} · ${env.rounds ?? 1} round(s) · ${env.pinned ? "pinned (producer CPU 1, consumer CPU 0)" : "not pinned"} · C compiler: ${escapeHtml(env.compiler ?? "none")}</p>
<ul>${summaries}</ul>
${[...unpinnedRows(report.results.filter((r) => r.size === sizes[0]))].map(([reason, ids]) => `<p><b>Not pinned</b>: ${escapeHtml(ids.join(", "))}: ${escapeHtml(reason)}</p>`).join("")}
${unstable.length ? `<p><b>Unstable</b> (rounds spread over 25 % of the median): ${escapeHtml(unstable.join(", "))}</p>` : ""}
<h2>Throughput (msg/s, log scale): bar = median of the rounds, whisker = min–max, ◆ = best C design</h2>
${throughputCanvases}
<h2>Latency at fixed offered rates (${latencyKind} from the scheduled send time, µs, log scale)</h2>
<p>A variant that did not keep up with a rate has no bar there: it is listed as saturated in the table.</p>
${latencyCanvases}
<h2>Ratio to the best C design (Node msg/s ÷ C msg/s)</h2>
<div class="chart"><canvas id="native-ratio"></canvas></div>
<h2>All results</h2>
${resultsTable(report)}
<script>${chartJs()}</script>
<script type="application/json" id="bench-data">${scriptJson(data)}</script>
<script>
(function () {
  const report = JSON.parse(document.getElementById("bench-data").textContent);
  const sizes = [...new Set(report.results.map((r) => r.size))];
  const variants = report.order;
  const label = (s) => (s >= 1024 && s % 1024 === 0 ? s / 1024 + " KiB" : s + " B");
  const rate = (n) => (n >= 1000 ? n / 1000 + "k" : String(n));
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
  const row = (variant, size) => report.results.find((r) => r.variant === variant && r.size === size);
  const logAxis = (title) => ({ type: "logarithmic", title: { display: true, text: title } });
  const groupTicks = { ticks: { autoSkip: false, callback(value) { const v = this.getLabelForValue(value); return [v, report.groups[v]]; } } };
  const base = { responsive: true, maintainAspectRatio: false, animation: false };
  // Draws each bar's whisker from dataset.whiskers[i] = [min, max].
  const whiskers = {
    id: "whiskers",
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      const y = chart.scales.y;
      chart.data.datasets.forEach((dataset, d) => {
        if (!dataset.whiskers) return;
        chart.getDatasetMeta(d).data.forEach((bar, i) => {
          const range = dataset.whiskers[i];
          if (!range) return;
          const top = y.getPixelForValue(range[1]);
          const bottom = y.getPixelForValue(range[0]);
          ctx.save();
          ctx.strokeStyle = "#222";
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(bar.x, top); ctx.lineTo(bar.x, bottom);
          ctx.moveTo(bar.x - 5, top); ctx.lineTo(bar.x + 5, top);
          ctx.moveTo(bar.x - 5, bottom); ctx.lineTo(bar.x + 5, bottom);
          ctx.stroke();
          ctx.restore();
        });
      });
    },
  };
  for (const size of sizes) {
    new Chart(document.getElementById("throughput-" + size), {
      type: "bar",
      data: {
        labels: variants,
        datasets: [
          {
            label: "msg/s (median)",
            backgroundColor: variants.map((v) => (row(v, size)?.unstable ? "#f0a050" : colors[0])),
            data: variants.map((v) => row(v, size)?.msgPerSec ?? null),
            whiskers: variants.map((v) => row(v, size)?.msgPerSecRange ?? null),
          },
          {
            type: "line",
            label: "best C design",
            showLine: false,
            pointStyle: "rectRot",
            pointRadius: 7,
            backgroundColor: "#d62728",
            borderColor: "#d62728",
            data: variants.map((v) => row(v, size)?.native?.msgPerSec ?? null),
          },
        ],
      },
      options: { ...base, scales: { y: logAxis("msg/s"), x: groupTicks } },
      plugins: [whiskers],
    });
  }
  for (const size of sizes) {
    for (const r of report.environment.rates || []) {
      const canvas = document.getElementById("latency-" + size + "-" + r);
      if (!canvas) continue;
      const at = (v) => row(v, size)?.latency?.find((l) => l.ratePerSec === r);
      const measured = variants.filter((v) => at(v)?.status === "ok");
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: measured,
          datasets: [["p50", "p50"], ["p99", "p99"], ["p99.9", "p999"], ["max", "max"]].map(([name, key], i) => ({
            label: name,
            backgroundColor: colors[i],
            data: measured.map((v) => at(v)[key]),
          })),
        },
        options: { ...base, scales: { y: logAxis("µs at " + rate(r) + " msg/s"), x: groupTicks } },
      });
    }
  }
  const compared = variants.filter((v) => sizes.some((s) => row(v, s)?.native?.ratio != null));
  new Chart(document.getElementById("native-ratio"), {
    type: "bar",
    data: {
      labels: compared.map((v) => v + " vs " + sizes.map((s) => row(v, s)?.native).filter(Boolean).map((n) => n.mechanism + " " + n.mode)[0]),
      datasets: sizes.map((size, i) => ({
        label: label(size),
        backgroundColor: colors[i % colors.length],
        data: compared.map((v) => row(v, size)?.native?.ratio ?? null),
      })),
    },
    options: { ...base, scales: { y: { ...logAxis("Node ÷ C") } } },
  });
})();
</script>
</body>
</html>
`;
}
