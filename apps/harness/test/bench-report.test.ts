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
  it("has the shape of issue 6", () => {
    expect(exitCode, output).toBe(0);
    expect(report.environment).toMatchObject({
      cpu: expect.any(String),
      cores: expect.any(Number),
      kernel: expect.any(String),
      node: process.version,
      date: expect.any(String),
    });
    expect(report.results).toHaveLength(6);
    for (const row of report.results.filter((r) => r.status === "ok")) {
      expect(row).toMatchObject({
        variant: expect.any(String),
        size: expect.any(Number),
        messages: 200,
        lost: 0,
        duplicated: 0,
        reordered: 0,
        msgPerSec: expect.any(Number),
        mbPerSec: expect.any(Number),
        latencyUs: { p50: expect.any(Number), p99: expect.any(Number), p999: expect.any(Number) },
      });
      expect(row.native === null || typeof row.native.msgPerSec === "number").toBe(true);
    }
    const ipc = report.results.find((r) => r.variant === "node-ipc" && r.size === 64)!;
    expect(ipc.native).toMatchObject({ mechanism: "unix-socket", msgPerSec: expect.any(Number) });
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
          datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
        };
      })`)) as Array<{
        id: string;
        drawn: boolean;
        labels: string[];
        datasets: Array<{ label: string; data: Array<number | null> }>;
      }>;
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      const byId = new Map(charts.map((c) => [c.id, c]));
      expect([...byId.keys()].sort()).toEqual(["latency-64", "latency-65536", "native-ratio", "throughput"]);
      for (const chart of charts) expect(chart.drawn).toBe(true);
      // Every measured result is a bar: throughput per variant per size, latency per size.
      const throughput = byId.get("throughput")!;
      for (const row of report.results) {
        const value = throughput.datasets.find((d) => d.label === (row.size === 64 ? "64 B" : "64 KiB"))!
          .data[throughput.labels.indexOf(row.variant)];
        if (row.status === "ok") expect(value).toBeCloseTo(row.msgPerSec!);
        else expect(value).toBeNull();
        if (row.status !== "ok") continue;
        const latency = byId.get(`latency-${row.size}`)!;
        const i = latency.labels.indexOf(row.variant);
        expect(i, `${row.variant} in latency-${row.size}`).toBeGreaterThanOrEqual(0);
        expect(latency.datasets.map((d) => d.data[i])).toEqual([
          row.latencyUs!.p50,
          row.latencyUs!.p99,
          row.latencyUs!.p999,
        ]);
      }
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
