/**
 * SVG charts of a BenchReport for the docs, rendered in Node without a browser: Vega-Lite
 * specs compiled to Vega and drawn by Vega's SVG renderer (no canvas, no fonts read from the
 * system: text widths are estimated, so the same report gives the same bytes on any host,
 * which the docs drift check relies on).
 *
 * - throughput: one horizontal bar per variant at the median msg/s of the rounds, a whisker
 *   over the rounds' min–max, a red diamond at the best C design of the variant's mode;
 *   variants grouped (and coloured) by the taxonomy.
 * - latency: p50, p99 and p99.9 per variant at one offered rate, joined by a line; a variant
 *   that did not hold the rate is left out and named under the chart.
 */

import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { groupedVariants, groupOf } from "./report-html.ts";
import { formatRate, formatSize } from "./report-text.ts";
import type { BenchReport } from "./results.ts";

const WIDTH = 560;

export function throughputSpec(report: BenchReport, size: number): TopLevelSpec {
  const order = groupedVariants(report);
  const values = order.flatMap((variant) => {
    const r = report.results.find((x) => x.variant === variant && x.size === size && x.status === "ok");
    if (!r || r.msgPerSec === null) return [];
    return [
      {
        variant: r.variant,
        group: groupOf(r),
        msgPerSec: Math.round(r.msgPerSec),
        min: Math.round(r.msgPerSecRange?.[0] ?? r.msgPerSec),
        max: Math.round(r.msgPerSecRange?.[1] ?? r.msgPerSec),
        best: r.native ? Math.round(r.native.msgPerSec) : null,
        bestLabel: r.native ? `best C: ${r.native.mechanism} ${r.native.mode}, ${r.native.design}` : null,
      },
    ];
  });
  const y = { field: "variant", type: "nominal" as const, sort: order, title: null };
  const x = {
    type: "quantitative" as const,
    scale: { type: "log" as const },
    title: "messages per second (log)",
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Throughput at ${formatSize(size)}: median of ${report.environment.rounds ?? 1} rounds, whisker = min–max, ◆ = best C design`,
    width: WIDTH,
    height: { step: 18 },
    data: { values },
    layer: [
      {
        mark: { type: "bar", height: 12 },
        encoding: {
          y,
          x: { ...x, field: "msgPerSec" },
          color: { field: "group", type: "nominal", title: "group" },
        },
      },
      {
        mark: { type: "rule", color: "#222" },
        encoding: { y, x: { ...x, field: "min" }, x2: { field: "max" } },
      },
      {
        mark: { type: "point", shape: "diamond", filled: true, color: "#d62728", size: 70 },
        encoding: { y, x: { ...x, field: "best" } },
        transform: [{ filter: "datum.best != null" }],
      },
    ],
    config: { font: "sans-serif", legend: { orient: "bottom", columns: 3 } },
  };
}

export function latencySpec(report: BenchReport, size: number, rate: number): TopLevelSpec {
  const order = groupedVariants(report);
  const rows = order.flatMap((variant) => {
    const r = report.results.find((x) => x.variant === variant && x.size === size);
    const at = r?.latency.find((l) => l.ratePerSec === rate);
    return r && at ? [{ r, at }] : [];
  });
  const held = rows.filter(({ at }) => at.status === "ok");
  const saturated = rows.filter(({ at }) => at.status === "saturated");
  const values = held.flatMap(({ r, at }) =>
    (
      [
        ["p50", at.p50],
        ["p99", at.p99],
        ["p99.9", at.p999],
      ] as const
    ).map(([percentile, us]) => ({ variant: r.variant, percentile, us: Math.max(1, us ?? 1) })),
  );
  const y = { field: "variant", type: "nominal" as const, sort: held.map(({ r }) => r.variant), title: null };
  const footnote = saturated.length
    ? `saturated (rate not held): ${saturated.map(({ r, at }) => `${r.variant} ${formatRate(at.reachedPerSec)}/s`).join(", ")}`
    : "";
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Latency at ${formatRate(rate)} msg/s offered, ${formatSize(size)} (${report.environment.mode}, from the scheduled send time)`,
      ...(footnote ? { subtitle: footnote } : {}),
    },
    width: WIDTH,
    height: { step: 18 },
    data: { values },
    layer: [
      {
        mark: { type: "line", color: "#999" },
        encoding: {
          y,
          x: { field: "us", type: "quantitative", scale: { type: "log" } },
          detail: { field: "variant" },
        },
      },
      {
        mark: { type: "point", filled: true, size: 60 },
        encoding: {
          y,
          x: { field: "us", type: "quantitative", scale: { type: "log" }, title: "µs (log)" },
          color: { field: "percentile", type: "nominal", sort: ["p50", "p99", "p99.9"], title: "percentile" },
          shape: { field: "percentile", type: "nominal", sort: ["p50", "p99", "p99.9"] },
        },
      },
    ],
    config: { font: "sans-serif", legend: { orient: "bottom" } },
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/** The docs' charts: file name (under docs/charts/) → SVG. */
export async function docCharts(report: BenchReport): Promise<Map<string, string>> {
  const charts = new Map<string, string>();
  const sizes = [...new Set(report.results.map((r) => r.size))];
  for (const size of sizes)
    charts.set(`throughput-${size}.svg`, await renderSvg(throughputSpec(report, size)));
  for (const size of sizes.filter((s) => report.results.some((r) => r.size === s && r.latency.length > 0))) {
    for (const rate of report.environment.rates ?? []) {
      charts.set(`latency-${size}-${rate}.svg`, await renderSvg(latencySpec(report, size, rate)));
    }
  }
  return charts;
}
