import { describe, expect, it } from "vitest";
import type { BenchReport, BenchResult } from "../src/bench/index.ts";
import { benchSummary, headline } from "../src/docs/bench-tables.ts";
import { benchEnvironment, benchRow } from "./fixtures/bench-row.ts";

const LONG_REASON = `65536-byte messages exceed the medium's limit of 8192 bytes; ${"the system allows at most 10 messages, ".repeat(8)}`;

const row = benchRow;

const native = (msgPerSec: number, ratio: number) => ({
  mechanism: "posix-mq" as const,
  mode: "one-way" as const,
  design: "spin" as const,
  msgPerSec,
  mbPerSec: 1,
  designs: [
    { design: "blocking" as const, msgPerSec: msgPerSec / 2, msgPerSecRange: [1, 2] as [number, number] },
    { design: "spin" as const, msgPerSec, msgPerSecRange: [1, 2] as [number, number] },
  ],
  ratio,
});

function report(results: BenchResult[]): BenchReport {
  return {
    environment: benchEnvironment([1000, 10_000]),
    results,
    ceilings: [],
  } as BenchReport;
}

const rows = [
  row("null", 6_000_000, { kind: "baseline" }),
  row("message-queues", 400_000, { native: native(800_000, 0.5), nativeNote: null }),
  row("message-queues", null, { size: 65536, status: "not-applicable", reason: LONG_REASON, latency: [] }),
  row("tcp", 300_000, { unstable: true, nativeNote: "unix-socket: the C pair failed to build" }),
  row("posix-mq-npm", 200_000, { kind: "baseline" }),
];

describe("the benchmark's docs blocks", () => {
  it("split each size into narrow tables and put a long reason in a numbered note under its table", () => {
    const at64 = benchSummary(report(rows), 64, "charts/throughput-64.svg");
    const tables = at64.split("\n").filter((line) => line.startsWith("|"));
    // Throughput (4 columns), latency (3), against C (5); no cell carries a sentence.
    for (const line of tables) {
      expect(line.split(" | ").length).toBeLessThanOrEqual(5);
      expect(line.length).toBeLessThan(120);
    }
    expect(at64).toContain("| message-queues | 400,000 | 360,000–440,000 | 1.00/2.00 |");
    expect(at64).toContain("| tcp | 300,000 ⚠ | ");
    expect(at64).toContain("| message-queues | 120 / 900 | saturated (3.20k/s) |");
    expect(at64).toContain("| message-queues | one-way | spin | 800,000 | 0.50× |");
    // A missing C figure says why under the table; a row with no ceiling is not in that table.
    expect(at64).toContain("| tcp | – | – | – [1] | – |");
    expect(at64).toContain("- [1] tcp: unix-socket: the C pair failed to build");
    expect(at64).not.toMatch(/\| null \| one-way/);
    expect(at64).toContain("![throughput at 64 B](charts/throughput-64.svg)");

    const at64k = benchSummary(report(rows), 65536, null);
    expect(at64k).toContain("| message-queues | n/a [1] |  |  |");
    expect(at64k).toContain(`- [1] message-queues: ${LONG_REASON}`);
    expect(at64k).not.toContain("**Latency**");
  });

  it("report the flagship against its best C design and against posix-mq from npm when that row is there", () => {
    const registry = {
      flagship: "message-queues",
      packages: new Map([["message-queues", { name: "@ipc-atlas/message-queue" }]]),
    };
    const text = headline(report(rows), registry, ["docs/charts/throughput-64.svg"]);
    expect(text).toContain("| message-queue | message-queues | 400.0k (360.0k–440.0k) | 120 / 900 |");
    expect(text).toContain("| baselines (Node built-ins, npm packages) | posix-mq-npm |");
    expect(text).toMatch(
      /The flagship, message-queues, at 64 B: 400,000 msg\/s, 0\.50× the best C design .*spin.*; 2\.00× the `posix-mq` package from npm .*200,000 msg\/s, row posix-mq-npm\)/,
    );
    expect(text).toContain("![throughput-64](docs/charts/throughput-64.svg)");
    expect(text).not.toContain("not among the packages");

    const without = headline(report(rows.filter((r) => r.variant !== "posix-mq-npm")), registry, []);
    expect(without).toContain("(row posix-mq-npm) was not in this run");
    const failed = headline(
      report([
        ...rows.filter((r) => r.variant !== "posix-mq-npm"),
        row("posix-mq-npm", null, {
          kind: "baseline",
          status: "not-applicable",
          reason: "posix-mq is not installed",
        }),
      ]),
      registry,
      [],
    );
    expect(failed).toContain(
      "the `posix-mq` package from npm: not-applicable at this size (posix-mq is not installed)",
    );
  });
});
