/**
 * The HTML view of a BenchReport: one self-contained file. Chart.js's UMD build is read from
 * node_modules and inlined with the data, so the page needs no network when it is opened.
 * Charts: throughput per variant per size, latency percentiles per size, and the ratio to
 * the native ceiling. Each canvas has an id; the page's charts are Chart.js instances that a
 * test can read back (Chart.getChart(canvas)).
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { formatNumber, formatRate, formatRatio, formatSize, summaryLine } from "./report-text.ts";
import type { BenchReport } from "./results.ts";

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

function resultsTable(report: BenchReport): string {
  const rows = report.results.map((r) => {
    const cells =
      r.status === "ok"
        ? [
            formatRate(r.msgPerSec),
            formatNumber(r.mbPerSec),
            formatNumber(r.latencyUs!.p50),
            formatNumber(r.latencyUs!.p99),
            formatNumber(r.latencyUs!.p999),
            r.native
              ? `${formatRate(r.native.msgPerSec)} (${r.native.mechanism})`
              : r.nativeNote?.startsWith("no native ceiling")
                ? ""
                : (r.nativeNote ?? ""),
            r.native?.ratio != null ? formatRatio(r.native.ratio) : "",
            `${r.lost}/${r.duplicated}/${r.reordered}`,
          ]
        : [`${r.status === "not-applicable" ? "n/a" : "FAILED"}: ${r.reason ?? ""}`];
    const tds = cells.map(
      (c, i) =>
        `<td${cells.length === 1 ? ' colspan="8"' : i < 5 ? ' class="num"' : ""}>${escapeHtml(c)}</td>`,
    );
    return `<tr><td>${escapeHtml(r.variant)}</td><td class="num">${formatSize(r.size)}</td>${tds.join("")}</tr>`;
  });
  return `<table><thead><tr><th>variant</th><th>size</th><th>msg/s</th><th>MB/s</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>native C</th><th>vs C</th><th>lost/dup/reord</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function renderHtml(report: BenchReport): string {
  const env = report.environment;
  const sizes = [...new Set(report.results.map((r) => r.size))];
  const summaries = sizes
    .map((size) => {
      const line = summaryLine(report.results.filter((r) => r.size === size));
      return line ? `<li><b>${formatSize(size)}</b>: ${escapeHtml(line)}</li>` : "";
    })
    .join("");
  const latencyKind = env.mode === "one-way" ? "one-way latency" : "round-trip time";
  const latencyCanvases = sizes
    .map(
      (size) => `<h3>${formatSize(size)}</h3><div class="chart"><canvas id="latency-${size}"></canvas></div>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ipc-atlas bench — ${escapeHtml(env.mode)} — ${escapeHtml(env.date)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
.env { color: #555; } .chart { position: relative; height: 420px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; } td, th { border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<h1>ipc-atlas bench — ${escapeHtml(env.mode)}${env.quick ? " (quick)" : ""}</h1>
<p class="env">${escapeHtml(env.cpu)} × ${env.cores} cores · ${escapeHtml(env.kernel)} · Node ${escapeHtml(env.node)} · ${escapeHtml(env.date)} · load ${env.loadAverage.join(" ")} · C compiler: ${escapeHtml(env.compiler ?? "none")}</p>
<ul>${summaries}</ul>
<h2>Throughput (messages per second, log scale)</h2>
<div class="chart"><canvas id="throughput"></canvas></div>
<h2>Latency percentiles (${latencyKind}, µs, log scale)</h2>
${latencyCanvases}
<h2>Ratio to the native ceiling (Node msg/s ÷ C msg/s)</h2>
<div class="chart"><canvas id="native-ratio"></canvas></div>
<h2>All results</h2>
${resultsTable(report)}
<script>${chartJs()}</script>
<script type="application/json" id="bench-data">${scriptJson(report)}</script>
<script>
(function () {
  const report = JSON.parse(document.getElementById("bench-data").textContent);
  const sizes = [...new Set(report.results.map((r) => r.size))];
  const variants = [...new Set(report.results.map((r) => r.variant))];
  const label = (s) => (s >= 1024 && s % 1024 === 0 ? s / 1024 + " KiB" : s + " B");
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
  const row = (variant, size) => report.results.find((r) => r.variant === variant && r.size === size);
  const logAxis = (title) => ({ type: "logarithmic", title: { display: true, text: title } });
  const base = { responsive: true, maintainAspectRatio: false, animation: false };
  new Chart(document.getElementById("throughput"), {
    type: "bar",
    data: {
      labels: variants,
      datasets: sizes.map((size, i) => ({
        label: label(size),
        backgroundColor: colors[i % colors.length],
        data: variants.map((v) => row(v, size)?.msgPerSec ?? null),
      })),
    },
    options: { ...base, scales: { y: logAxis("msg/s") } },
  });
  for (const size of sizes) {
    const measured = variants.filter((v) => row(v, size)?.latencyUs);
    new Chart(document.getElementById("latency-" + size), {
      type: "bar",
      data: {
        labels: measured,
        datasets: [["p50", "p50"], ["p99", "p99"], ["p99.9", "p999"]].map(([name, key], i) => ({
          label: name,
          backgroundColor: colors[i],
          data: measured.map((v) => row(v, size).latencyUs[key]),
        })),
      },
      options: { ...base, scales: { y: logAxis("µs") } },
    });
  }
  const compared = variants.filter((v) => sizes.some((s) => row(v, s)?.native?.ratio != null));
  new Chart(document.getElementById("native-ratio"), {
    type: "bar",
    data: {
      labels: compared.map((v) => v + " vs " + sizes.map((s) => row(v, s)?.native?.mechanism).find(Boolean)),
      datasets: sizes.map((size, i) => ({
        label: label(size),
        backgroundColor: colors[i % colors.length],
        data: compared.map((v) => row(v, size)?.native?.ratio ?? null),
      })),
    },
    options: { ...base, scales: { y: { ...logAxis("Node ÷ C"), } } },
  });
})();
</script>
</body>
</html>
`;
}
