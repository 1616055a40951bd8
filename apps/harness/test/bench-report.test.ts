import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VariantRegistry } from "@ipc-atlas/core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { socketFixture } from "../../../packages/core/test/fixtures/socket-variant.ts";
// The same lookup as the setup's; a missing Chromium fails the check instead of skipping it.
import { CHROMIUM_INSTALL, findChromium } from "../../../scripts/chromium.mjs";
import { type BenchReport, runBench } from "../src/bench/index.ts";
import { medianTables } from "../src/bench/median.ts";
import { benchQueue } from "./fixtures/bench-variants.ts";

// One real (small) run feeds every check: an inter-process variant, an in-process one that
// cannot carry 64 KiB, and a baseline with a native ceiling (so the ratio chart has data).
let dir: string;
let report: BenchReport;
let html: string;
let exitCode: number;
let output = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ipc-atlas-bench-report-"));
  const capture = (chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    exitCode = await runBench(new VariantRegistry([socketFixture, benchQueue]), {
      ids: ["socket-fixture", "bench-queue", "node-ipc"],
      sizes: [64, 65536],
      messages: 200,
      quick: true,
      mode: "one-way",
      rounds: 2,
      rates: [1000],
      rateSeconds: 0.5,
      json: join(dir, "bench.json"),
      html: join(dir, "bench.html"),
    });
  } finally {
    vi.restoreAllMocks();
  }
  report = JSON.parse(await readFile(join(dir, "bench.json"), "utf8")) as BenchReport;
  html = await readFile(join(dir, "bench.html"), "utf8");
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("bench JSON", () => {
  it("has the shape of issues 6 and 12", () => {
    expect(exitCode, output).toBe(0);
    expect(report.environment).toMatchObject({
      cpu: expect.any(String),
      cores: expect.any(Number),
      kernel: expect.any(String),
      node: process.version,
      date: expect.any(String),
      rounds: 2,
      rates: [1000],
      pinned: false,
    });
    // Four targets (the null row included) at two sizes.
    expect(report.results).toHaveLength(8);
    for (const row of report.results.filter((r) => r.status === "ok")) {
      expect(row).toMatchObject({
        variant: expect.any(String),
        size: expect.any(Number),
        status: "ok",
        messages: 200,
        lost: 0,
        duplicated: 0,
        reordered: 0,
        rounds: 2,
        msgPerSec: expect.any(Number),
        msgPerSecRange: [expect.any(Number), expect.any(Number)],
        unstable: expect.any(Boolean),
        mbPerSec: expect.any(Number),
      });
      expect(row.msgPerSecRange![0]).toBeLessThanOrEqual(row.msgPerSec!);
      expect(row.msgPerSecRange![1]).toBeGreaterThanOrEqual(row.msgPerSec!);
      expect(row.native === null || typeof row.native.msgPerSec === "number").toBe(true);
      if (row.size === 64) {
        expect(row.latency).toEqual([
          expect.objectContaining({ ratePerSec: 1000, status: expect.stringMatching(/^(ok|saturated)$/) }),
        ]);
      } else expect(row.latency).toEqual([]);
    }
    const socket = report.results.find((r) => r.variant === "socket-fixture" && r.size === 64)!;
    expect(socket.cpuUsPerMsg).toEqual({ producer: expect.any(Number), consumer: expect.any(Number) });
    expect(socket.latency[0]).toMatchObject({
      status: "ok",
      p50: expect.any(Number),
      p99: expect.any(Number),
    });
    expect(socket.latencyUs).toMatchObject({ p50: socket.latency[0]!.p50, p99: socket.latency[0]!.p99 });
    const ipc = report.results.find((r) => r.variant === "node-ipc" && r.size === 64)!;
    // node-ipc is asynchronous: compared with the one-way C pairs, the best of the designs.
    expect(ipc.native).toMatchObject({
      mechanism: "unix-socket",
      mode: "one-way",
      design: expect.stringMatching(/^(blocking|epoll|spin)$/),
      msgPerSec: expect.any(Number),
    });
    expect(ipc.native!.msgPerSec).toBe(Math.max(...ipc.native!.designs.map((d) => d.msgPerSec)));
    expect(report.results.filter((r) => r.variant === "null")).toHaveLength(2);
    const large = report.results.find((r) => r.variant === "bench-queue" && r.size === 65536)!;
    expect(large).toMatchObject({ status: "not-applicable", msgPerSec: null, native: null });
  });
});

describe("median tables", () => {
  it("summarise several runs per size, not-applicable rows with their reason", () => {
    const table = medianTables([report, report, report]);
    expect(table).toContain("**64 B** (median of 3 runs)");
    expect(table).toMatch(/\| socket-fixture \| [\d.]+k? \|/);
    expect(table).toMatch(/\| bench-queue \| not-applicable: 65536-byte messages exceed/);
  });
});

describe("bench HTML report", () => {
  it("is one self-contained file", () => {
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain("Chart.js v4");
  });

  it("renders in headless Chromium with data for every variant", async () => {
    const executablePath = findChromium();
    if (!executablePath) throw new Error(`Chromium is missing: ${CHROMIUM_INSTALL}`);
    const browser = await chromium.launch({
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) requests.push(r.url());
      });
      await page.goto(`file://${join(dir, "bench.html")}`);
      // The page's own Chart.js instances, read back (a string: this project compiles without the DOM lib).
      const charts = (await page.evaluate(`[...document.querySelectorAll("canvas")].map((canvas) => {
        const chart = Chart.getChart(canvas);
        return {
          id: canvas.id,
          drawn: canvas.width > 0 && canvas.height > 0,
          labels: chart.data.labels,
          datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data, whiskers: d.whiskers })),
        };
      })`)) as Array<{
        id: string;
        drawn: boolean;
        labels: string[];
        datasets: Array<{
          label: string;
          data: Array<number | null>;
          whiskers?: Array<[number, number] | null>;
        }>;
      }>;
      const whiskerPlugins =
        (await page.evaluate(`[...document.querySelectorAll("canvas[id^=throughput]")].map(
        (canvas) => Chart.getChart(canvas).config.plugins.some((p) => p.id === "whiskers"))`)) as boolean[];
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      const byId = new Map(charts.map((c) => [c.id, c]));
      expect([...byId.keys()].sort()).toEqual([
        "latency-64-1000",
        "native-ratio",
        "throughput-64",
        "throughput-65536",
      ]);
      for (const chart of charts) expect(chart.drawn).toBe(true);
      // Every measured result is a bar at its median with a whisker over its rounds' range, and
      // the best C design is a marker beside it; latency per offered rate.
      for (const row of report.results) {
        const throughput = byId.get(`throughput-${row.size}`)!;
        const i = throughput.labels.indexOf(row.variant);
        const [bars, best] = throughput.datasets;
        expect(bars!.label).toBe("msg/s (median)");
        expect(best!.label).toBe("best C design");
        if (row.status === "ok") {
          expect(bars!.data[i]).toBeCloseTo(row.msgPerSec!);
          expect(bars!.whiskers![i]).toEqual(row.msgPerSecRange);
        } else expect(bars!.data[i]).toBeNull();
        expect(best!.data[i]).toBe(row.native?.msgPerSec ?? null);
        if (row.status !== "ok" || row.latency[0]?.status !== "ok") continue;
        const latency = byId.get(`latency-${row.size}-1000`)!;
        const j = latency.labels.indexOf(row.variant);
        expect(j, `${row.variant} in latency-${row.size}-1000`).toBeGreaterThanOrEqual(0);
        expect(latency.datasets.map((d) => d.data[j])).toEqual([
          row.latency[0].p50,
          row.latency[0].p99,
          row.latency[0].p999,
          row.latency[0].max,
        ]);
      }
      // The whiskers are drawn: the plugin is registered on every throughput chart, and a marker
      // is there for the baseline with a ceiling.
      expect(whiskerPlugins).toEqual([true, true]);
      const ipc = byId.get("throughput-64")!;
      expect(ipc.datasets[1]!.data[ipc.labels.indexOf("node-ipc")]).toEqual(expect.any(Number));
      // The ratio chart holds every variant that has a native figure.
      const ratio = byId.get("native-ratio")!;
      const compared = report.results.filter((r) => r.native?.ratio != null);
      expect(compared.length).toBeGreaterThan(0);
      for (const row of compared) {
        const i = ratio.labels.findIndex((l) => l.startsWith(`${row.variant} vs`));
        const dataset = ratio.datasets.find((d) => d.label === (row.size === 64 ? "64 B" : "64 KiB"))!;
        expect(dataset.data[i]).toBeCloseTo(row.native!.ratio!);
      }
    } finally {
      await browser.close();
    }
  });
});
