import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VariantRegistry } from "@ipc-atlas/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { socketFixture } from "../../../packages/core/test/fixtures/socket-variant.ts";
import { type BenchOptions, type BenchReport, runBench } from "../src/bench/index.ts";
import { benchLossy, benchQueue } from "./fixtures/bench-variants.ts";

// runBench prints a table and progress; keep the test output readable.
let output = "";
let dir: string;
beforeEach(async () => {
  output = "";
  dir = await mkdtemp(join(tmpdir(), "ipc-atlas-bench-"));
  const capture = (chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const registry = () => new VariantRegistry([socketFixture, benchQueue, benchLossy]);

async function bench(options: Partial<BenchOptions>): Promise<{ code: number; report: BenchReport }> {
  const json = join(dir, "out.json");
  const code = await runBench(registry(), {
    ids: [],
    sizes: [64],
    messages: 300,
    quick: true,
    mode: "one-way",
    json,
    ...options,
  });
  return { code, report: JSON.parse(await readFile(json, "utf8")) as BenchReport };
}

describe("runBench", () => {
  it("measures an inter-process variant in two processes and an in-process one in one, nothing lost", async () => {
    const { code, report } = await bench({ ids: ["socket-fixture", "bench-queue"], sizes: [64, 65536] });
    expect(code, output).toBe(0);
    const socket64 = report.results.find((r) => r.variant === "socket-fixture" && r.size === 64)!;
    expect(socket64).toMatchObject({
      status: "ok",
      messages: 300,
      received: 300,
      lost: 0,
      duplicated: 0,
      reordered: 0,
    });
    expect(socket64.msgPerSec).toBeGreaterThan(0);
    expect(socket64.latencyUs!.p50).toBeGreaterThan(0);
    // Producer and consumer were separate processes: two pids, each with its CPU and RSS.
    expect(socket64.processes.map((p) => p.role)).toEqual(["consumer", "producer"]);
    expect(new Set(socket64.processes.map((p) => p.pid)).size).toBe(2);
    expect(socket64.processes.every((p) => p.maxRssKiB > 0)).toBe(true);
    const queue64 = report.results.find((r) => r.variant === "bench-queue" && r.size === 64)!;
    expect(queue64).toMatchObject({ status: "ok", received: 300, lost: 0 });
    expect(queue64.processes).toHaveLength(1);
    // The queue carries at most 4 KiB: 64 KiB is reported with the reason, not skipped.
    const queueLarge = report.results.find((r) => r.variant === "bench-queue" && r.size === 65536)!;
    expect(queueLarge.status).toBe("not-applicable");
    expect(queueLarge.reason).toContain("4096");
    expect(output).toContain("fastest:");
  });

  it("fails, naming the variant, when messages are lost", async () => {
    const { code, report } = await bench({ ids: ["bench-lossy", "bench-queue"] });
    expect(code).not.toBe(0);
    const lossy = report.results.find((r) => r.variant === "bench-lossy")!;
    expect(lossy.lost).toBeGreaterThan(0);
    expect(output).toMatch(/bench-lossy at 64 B: \d+ lost/);
    expect(output).not.toMatch(/bench-queue at 64 B: \d+ lost/);
  });

  it("measures round trips over the variant opened twice", async () => {
    const { code, report } = await bench({
      ids: ["socket-fixture", "bench-queue"],
      mode: "round-trip",
      messages: 200,
    });
    expect(code, output).toBe(0);
    for (const row of report.results) {
      expect(row).toMatchObject({ status: "ok", mode: "round-trip", received: 200, lost: 0 });
      expect(row.latencyUs!.p50).toBeGreaterThan(0);
    }
    const socket = report.results.find((r) => r.variant === "socket-fixture")!;
    expect(socket.processes.map((p) => p.role).sort()).toEqual(["pinger", "ponger"]);
  });

  it("runs the baselines the same way", async () => {
    const { code, report } = await bench({ ids: ["node-ipc", "worker-threads"], messages: 500 });
    expect(code, output).toBe(0);
    expect(report.results.map((r) => [r.variant, r.kind, r.lost, r.received])).toEqual([
      ["node-ipc", "baseline", 0, 500],
      ["worker-threads", "baseline", 0, 500],
    ]);
  });

  it("refuses an unknown id and lists the known ones", async () => {
    const code = await runBench(registry(), { ids: ["nope"], sizes: [64], quick: true, mode: "one-way" });
    expect(code).toBe(2);
    expect(output).toContain("unknown id: nope");
    expect(output).toContain("socket-fixture");
  });
});
