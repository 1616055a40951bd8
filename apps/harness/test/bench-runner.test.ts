import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VariantRegistry } from "@ipc-atlas/core";
import { messageQueues } from "@ipc-atlas/message-queue";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { socketFixture } from "../../../packages/core/test/fixtures/socket-variant.ts";
import { type BenchOptions, type BenchReport, ceilingPlanFor, runBench } from "../src/bench/index.ts";
import { variantTarget } from "../src/bench/runner.ts";
import {
  benchDelay,
  benchLossy,
  benchQueue,
  benchSlow,
  benchThreads,
  DELAY_MS,
  SLOW_SEND_MS,
} from "./fixtures/bench-variants.ts";

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

/** The POSIX queues of this harness's baselines that exist now (/dev/mqueue, where it is mounted). */
async function mqueueEntries(prefix = "ipc-atlas-npm-"): Promise<string[]> {
  const names = await readdir("/dev/mqueue").catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix));
}

const registry = () =>
  new VariantRegistry([socketFixture, benchQueue, benchLossy, benchDelay, benchSlow, benchThreads]);

async function bench(options: Partial<BenchOptions>): Promise<{ code: number; report: BenchReport }> {
  const json = join(dir, "out.json");
  const code = await runBench(registry(), {
    ids: [],
    sizes: [64],
    messages: 300,
    quick: true,
    mode: "one-way",
    rates: [],
    json,
    ...options,
  });
  return { code, report: JSON.parse(await readFile(json, "utf8")) as BenchReport };
}

describe("runBench", () => {
  it("measures an inter-process variant in two processes and an in-process one in one, nothing lost", async () => {
    const { code, report } = await bench({
      ids: ["socket-fixture", "bench-queue"],
      sizes: [64, 65536],
      rates: [500],
      rateSeconds: 0.5,
    });
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
      rates: [200],
      rateSeconds: 0.5,
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
      ["null", "baseline", 0, 500],
      ["node-ipc", "baseline", 0, 500],
      ["worker-threads", "baseline", 0, 500],
    ]);
  });

  it("measures the null row in every run: the harness's own loops over no medium, fast", async () => {
    const { code, report } = await bench({ ids: ["bench-queue"], messages: 200_000, rounds: 2 });
    expect(code, output).toBe(0);
    const floor = report.results.find((r) => r.variant === "null")!;
    expect(floor).toMatchObject({
      status: "ok",
      rounds: 2,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      corrupt: 0,
    });
    expect(floor.received).toBe(200_000);
    // The floor is far above any medium's figure. A run this short (5,000 messages of warm-up)
    // is partly V8's interpreter, and the machine may be busy: its speed against plain
    // `for await` is tested in bench-workload.test.ts.
    expect(floor.msgPerSec).toBeGreaterThan(100_000);
    expect(floor.msgPerSecRange![0]).toBeLessThanOrEqual(floor.msgPerSec!);
    expect(floor.msgPerSecRange![1]).toBeGreaterThanOrEqual(floor.msgPerSec!);
  });

  it('runs a variant with placement "threads" with producer and consumer each on a thread of its own', async () => {
    // The fixture's sides block their thread while they wait for each other: on one thread it fails.
    const { code, report } = await bench({
      ids: ["bench-threads"],
      messages: 2000,
      rates: [200],
      rateSeconds: 0.5,
    });
    expect(code, output).toBe(0);
    const row = report.results.find((r) => r.variant === "bench-threads")!;
    expect(row).toMatchObject({ status: "ok", lost: 0, duplicated: 0, reordered: 0, corrupt: 0 });
    expect(row.received).toBe(2000);
    expect(row.latency[0]).toMatchObject({ ratePerSec: 200, status: "ok" });
    expect(row.processes.map((p) => p.role)).toEqual(["producer+consumer"]);
  });

  it("measures the posix-mq package from npm over a POSIX queue between two processes, both ways, and leaves no queue", async () => {
    const before = await mqueueEntries();
    const { code, report } = await bench({ ids: ["posix-mq-npm"], messages: 2000, sizes: [64, 65536] });
    expect(code, output).toBe(0);
    const [at64, at64k] = report.results.filter((r) => r.variant === "posix-mq-npm");
    expect(at64).toMatchObject({
      status: "ok",
      kind: "baseline",
      lost: 0,
      duplicated: 0,
      reordered: 0,
      received: 2000,
    });
    expect(at64!.processes.map((p) => p.role).sort()).toEqual(["consumer", "producer"]);
    expect(new Set(at64!.processes.map((p) => p.pid)).size).toBe(2);
    // Beyond the system's msgsize_max (8 KiB here) the row says why instead of failing.
    expect(at64k).toMatchObject({ status: "not-applicable" });
    expect(at64k!.reason).toMatch(/65536-byte/);
    const trip = await bench({ ids: ["posix-mq-npm"], messages: 300, mode: "round-trip" });
    expect(trip.code, output).toBe(0);
    expect(trip.report.results.find((r) => r.variant === "posix-mq-npm")).toMatchObject({
      status: "ok",
      lost: 0,
    });
    expect(await mqueueEntries()).toEqual(before);
  });

  it("runs the message-queue package's own pair as the message-queues row's yardstick and gives the ratio", async () => {
    const registryWithQueue = new VariantRegistry([messageQueues]);
    const json = join(dir, "pair.json");
    const code = await runBench(registryWithQueue, {
      ids: ["message-queues", "mq-package-pair"],
      sizes: [64],
      messages: 2000,
      quick: true,
      mode: "one-way",
      rates: [500],
      rateSeconds: 0.3,
      json,
    });
    expect(code, output).toBe(0);
    const report = JSON.parse(await readFile(json, "utf8")) as BenchReport;
    const pair = report.results.find((r) => r.variant === "mq-package-pair")!;
    expect(pair).toMatchObject({ status: "ok", kind: "baseline", lost: 0, received: 2000, latency: [] });
    expect(pair.processes.map((p) => p.role).sort()).toEqual(["consumer", "producer"]);
    expect(report.yardsticks).toContainEqual({ variant: "message-queues", baseline: "mq-package-pair" });
    expect(output).toMatch(/message-queues ÷ mq-package-pair \(same run\): [\d.]+×/);
    expect(await mqueueEntries("ipc-atlas-pair-")).toEqual([]);
  });

  it("charges a known delay to the latency pass, from the scheduled send time", async () => {
    const { code, report } = await bench({
      ids: ["bench-delay"],
      messages: 200,
      rates: [200],
      rateSeconds: 1,
    });
    expect(code, output).toBe(0);
    const row = report.results.find((r) => r.variant === "bench-delay")!;
    expect(row.latency).toHaveLength(1);
    const [at200] = row.latency;
    expect(at200).toMatchObject({ ratePerSec: 200, status: "ok" });
    // Every message waits DELAY_MS on its timer: the p50 is that delay (a loaded machine adds
    // some), not the depth of a queue. Node's timers count from the event loop's cached
    // millisecond clock, so one can fire up to 1 ms short of its delay in real time.
    expect(at200!.p50!).toBeGreaterThanOrEqual(DELAY_MS * 1000 - 1000);
    expect(at200!.p50!).toBeLessThan(DELAY_MS * 1000 * 4);
    expect(row.latencyUs!.p50).toBe(at200!.p50);
  });

  it("reports a rate the variant cannot keep up with as saturated, with the rate it reached", async () => {
    const { code, report } = await bench({
      ids: ["bench-slow"],
      messages: 50,
      rates: [2000],
      rateSeconds: 1,
    });
    expect(code, output).toBe(0);
    const [at2000] = report.results.find((r) => r.variant === "bench-slow")!.latency;
    expect(at2000).toMatchObject({ ratePerSec: 2000, status: "saturated", p50: null });
    expect(at2000!.reachedPerSec!).toBeGreaterThan(0);
    expect(at2000!.reachedPerSec!).toBeLessThan(1000 / SLOW_SEND_MS + 50);
    expect(output).toMatch(/saturated \(\d+(\.\d+)?\/s\)/);
  });

  it("compares a synchronous variant with the C round trip and an asynchronous one with one-way C", () => {
    const sync = { ...variantTarget(benchSlow), ceiling: "unix-socket" as const };
    const async = { ...variantTarget(benchQueue), ceiling: "unix-socket" as const };
    expect(ceilingPlanFor(sync, "one-way")).toEqual({ mechanism: "unix-socket", mode: "round-trip" });
    expect(ceilingPlanFor(async, "one-way")).toEqual({ mechanism: "unix-socket", mode: "one-way" });
    expect(ceilingPlanFor(async, "round-trip")).toEqual({ mechanism: "unix-socket", mode: "round-trip" });
    expect(ceilingPlanFor(variantTarget(benchQueue), "one-way")).toBeNull();
  });

  it.runIf(process.platform === "linux")(
    "--pin puts the consumer on CPU 0 and the producer on CPU 1, and says so",
    async () => {
      const { code, report } = await bench({
        ids: ["socket-fixture", "bench-threads", "bench-queue", "worker-threads"],
        messages: 2000,
        pin: true,
      });
      expect(code, output).toBe(0);
      expect(report.environment.pinned).toBe(true);
      const row = report.results.find((r) => r.variant === "socket-fixture")!;
      const cpus = Object.fromEntries(row.processes.map((p) => [p.role, p.cpusAllowed]));
      expect(cpus).toEqual({ consumer: "0", producer: "1" });
      expect(row.unpinned).toBeNull();
      // Both sides in one process on threads of their own: each thread on its side's CPU.
      const threads = report.results.find((r) => r.variant === "bench-threads")!;
      expect(threads.unpinned).toBeNull();
      expect(threads.processes[0]!.threads).toEqual([
        { role: "consumer", cpusAllowed: "0" },
        { role: "producer", cpusAllowed: "1" },
      ]);
      // Both sides on one thread, and a baseline with its own peer: not pinned, and the row says why.
      const unpinned = Object.fromEntries(report.results.map((r) => [r.variant, r.unpinned]));
      expect(unpinned["bench-queue"]).toMatch(/one thread/);
      expect(unpinned["worker-threads"]).toMatch(/baseline starts its own peer/);
      expect(output).toMatch(/not pinned: null, bench-queue: producer and consumer take turns on one thread/);
      // Unpinned, a process may run on any CPU.
      const free = await bench({ ids: ["socket-fixture"] });
      expect(free.report.environment.pinned).toBe(false);
      expect(free.report.results.every((r) => r.unpinned === null)).toBe(true);
      expect(
        free.report.results.find((r) => r.variant === "socket-fixture")!.processes[0]!.cpusAllowed,
      ).not.toBe("0");
    },
  );

  it("refuses an unknown id and lists the known ones", async () => {
    const code = await runBench(registry(), { ids: ["nope"], sizes: [64], quick: true, mode: "one-way" });
    expect(code).toBe(2);
    expect(output).toContain("unknown id: nope");
    expect(output).toContain("socket-fixture");
  });
});
