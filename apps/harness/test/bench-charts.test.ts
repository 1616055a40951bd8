import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { docCharts } from "../src/bench/charts.ts";
import type { BenchReport, BenchResult } from "../src/bench/results.ts";
import { chartDrift } from "../src/docs.ts";
import { benchEnvironment, benchRow } from "./fixtures/bench-row.ts";

/** Rows of a report as `bench --json` writes it (see the fixture). */
const row = (variant: string, msgPerSec: number, extra: Partial<BenchResult> = {}) =>
  benchRow(variant, msgPerSec, { nativeNote: null, ...extra });

const report: BenchReport = {
  environment: benchEnvironment([1000]),
  results: [
    row("alpha-queue", 200_000, {
      native: {
        mechanism: "posix-mq",
        mode: "one-way",
        design: "epoll",
        msgPerSec: 900_000,
        mbPerSec: 57.6,
        designs: [{ design: "epoll", msgPerSec: 900_000, msgPerSecRange: [800_000, 950_000] }],
        ratio: 0.22,
      },
    }),
    row("beta-socket", 50_000, {
      latency: [
        {
          ratePerSec: 1000,
          status: "saturated",
          reachedPerSec: 400,
          p50: null,
          p99: null,
          p999: null,
          max: null,
          mean: null,
          samples: 0,
        },
      ],
    }),
  ],
  ceilings: [],
};

let dir: string;
beforeEach(async () => {
  dir = `${await mkdtemp(join(tmpdir(), "ipc-atlas-charts-"))}/`;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the docs' SVG charts", () => {
  it("are rendered in Node, byte for byte the same for the same report", async () => {
    const first = await docCharts(report);
    const second = await docCharts(report);
    expect([...first.keys()]).toEqual(["throughput-64.svg", "latency-64-1000.svg"]);
    for (const [name, svg] of first) {
      expect(svg.startsWith("<svg"), name).toBe(true);
      expect(second.get(name)).toBe(svg);
    }
    const throughput = first.get("throughput-64.svg")!;
    expect(throughput).toContain("alpha-queue");
    expect(throughput).toContain("beta-socket");
    expect(throughput).toContain("best C design");
    // A saturated rate is named under the latency chart, not drawn as a latency.
    expect(first.get("latency-64-1000.svg")).toContain("saturated (rate not held): beta-socket 400");
  });

  it("are covered by the docs drift check", async () => {
    expect(await chartDrift(report, dir, false)).toEqual([
      "docs/charts/throughput-64.svg (missing)",
      "docs/charts/latency-64-1000.svg (missing)",
    ]);
    await chartDrift(report, dir, true);
    expect(await chartDrift(report, dir, false)).toEqual([]);
    const path = join(dir, "throughput-64.svg");
    await writeFile(path, (await readFile(path, "utf8")).replace("alpha-queue", "alpha-queues"));
    expect(await chartDrift(report, dir, false)).toEqual(["docs/charts/throughput-64.svg"]);
    const changed = { ...report, results: [row("alpha-queue", 300_000), report.results[1]!] };
    await chartDrift(report, dir, true);
    expect(await chartDrift(changed, dir, false)).toEqual(["docs/charts/throughput-64.svg"]);
  });
});
