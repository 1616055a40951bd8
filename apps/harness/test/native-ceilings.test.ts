import { existsSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { ceilingOf, type NativeMechanism, nativeMechanisms } from "../src/bench/ceilings.ts";
import {
  NativeCeilings,
  type NativeDesignFigures,
  type NativeOutcome,
  nativeDesigns,
} from "../src/bench/native.ts";
import { loadRegistry } from "../src/registry.ts";

// The C pairs are real: each run compiles and forks a producer and a consumer over the real
// medium. Small plans keep the whole file short on a busy host; maxSeconds bounds a spinning
// pair that shares one CPU with everything else.
const plan = { size: 64, warmup: 50, messages: 600, maxSeconds: 1 };
const natives = new NativeCeilings({ minMessages: plan.messages });
afterAll(() => natives.dispose());

function ok(outcome: NativeOutcome): Extract<NativeOutcome, { status: "ok" }> {
  if (outcome.status !== "ok") throw new Error(`${outcome.status}: ${outcome.reason}`);
  return outcome;
}

/** What a run could leave: its queues and shm objects (named by the C parent's pid) and its
 * private directory for a FIFO or a socket; and the forked consumer. */
function leftBehind(figures: NativeDesignFigures): string[] {
  const [producer, consumer] = figures.processes;
  const pid = producer!.pid;
  const named = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => n.startsWith(`ipc-atlas-native-${pid}-`))
          .map((n) => `${dir}/${n}`)
      : [];
  const temp = readdirSync("/tmp")
    .filter((n) => n.startsWith(`ipc-atlas-c-${pid}-`))
    .map((n) => `/tmp/${n}`);
  const child = existsSync(`/proc/${consumer!.pid}`) ? [`process ${consumer!.pid}`] : [];
  return [...named("/dev/mqueue"), ...named("/dev/shm"), ...temp, ...child];
}

function expectExact(figures: NativeDesignFigures, mechanism: NativeMechanism, mode: string) {
  expect(figures).toMatchObject({
    mechanism,
    mode,
    size: plan.size,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    corrupt: 0,
    pinned: null,
    pinNote: null,
  });
  // Warm-up and measured messages all came back, unless the pair ran into maxSeconds.
  expect(figures.received).toBe(figures.sent);
  expect(figures.measuredReceived).toBe(figures.measuredSent);
  expect(figures.measuredSent).toBeGreaterThan(0);
  expect(figures.msgPerSec).toBeGreaterThan(0);
  expect(figures.latencyUs.p50).toBeGreaterThan(0);
  expect(figures.latencyUs.max).toBeGreaterThanOrEqual(figures.latencyUs.p99);
  const roles = mode === "one-way" ? ["producer", "consumer"] : ["pinger", "ponger"];
  expect(figures.processes.map((p) => p.role)).toEqual(roles);
  const [a, b] = figures.processes;
  expect(a!.pid).not.toBe(b!.pid); // two processes
  expect(a!.cpu.userMs + a!.cpu.systemMs).toBeGreaterThan(0);
  expect(figures.cpuUsPerMsg.producer).toBeGreaterThan(0);
  expect(figures.cpuUsPerMsg.consumer).toBeGreaterThan(0);
  expect(leftBehind(figures)).toEqual([]);
}

describe("native ceilings", () => {
  for (const mechanism of nativeMechanisms) {
    it(`${mechanism}: every design, one-way and round trip, nothing lost and nothing left`, async () => {
      for (const mode of ["one-way", "round-trip"] as const) {
        const outcome = ok(await natives.measure(mechanism, plan, mode));
        expect(outcome.failed).toEqual([]);
        expect(outcome.designs.map((d) => d.design)).toEqual(nativeDesigns);
        for (const [i, figures] of outcome.designs.entries()) {
          expect(figures.design).toBe(nativeDesigns[i]);
          expectExact(figures, mechanism, mode);
        }
        expect(outcome.best.msgPerSec).toBe(Math.max(...outcome.designs.map((d) => d.msgPerSec)));
        expect(outcome.designs).toContain(outcome.best);
      }
    }, 120_000);
  }

  it.skipIf(availableParallelism() < 2)(
    "--pin puts producer and consumer on two CPUs and says which",
    async () => {
      const outcome = ok(
        await natives.measure("pipe", plan, "round-trip", { pin: true, designs: ["blocking"] }),
      );
      const { pinned, processes } = outcome.best;
      expect(pinned).not.toBeNull();
      expect(pinned!.producer).not.toBe(pinned!.consumer);
      // Where each side ran last: on the CPU it was pinned to.
      expect(processes.map((p) => p.lastCpu)).toEqual([pinned!.producer, pinned!.consumer]);
    },
  );

  it("a medium that cannot be made says why", async () => {
    const huge = { ...plan, size: 64 * 1024 * 1024 };
    const outcome = await natives.measure("posix-mq", huge, "one-way");
    expect(outcome).toEqual({
      status: "not-applicable",
      reason: expect.stringMatching(/mq_open with mq_msgsize 67108864: .*msgsize_max/),
    });
  });

  it("without a compiler every ceiling is unavailable and says what to install", async () => {
    const none = new NativeCeilings({ compiler: "/nonexistent/cc" });
    const outcome = await none.measure("pipe", plan, "one-way");
    expect(outcome).toEqual({
      status: "unavailable",
      reason: expect.stringMatching(/no C compiler.*apt-get install -y gcc/),
    });
    await none.dispose();
  });

  it("maps variants to their mechanism, shared memory to the ring (from the variants' cards)", async () => {
    const { registry } = await loadRegistry();
    expect(ceilingOf(registry.get("message-queues"))).toBe("posix-mq");
    expect(ceilingOf(registry.get("shared-memory-posix"))).toBe("shm-ring");
    expect(ceilingOf(registry.get("shared-memory-workers"))).toBe("shm-ring");
    expect(ceilingOf(registry.get("channels-buffered"))).toBeNull();
    // Every ceiling a card names has a C program.
    for (const variant of registry.list()) {
      const mechanism = ceilingOf(variant);
      if (mechanism) expect(nativeMechanisms, variant.id).toContain(mechanism);
    }
  });
});
