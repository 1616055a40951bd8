/**
 * Native ceilings: the C programs in native/ compiled on the fly with the system compiler
 * (`cc`, or $CC) into a temporary directory, once per run, and executed with the same plan
 * as the Node side. Without a compiler every ceiling says why instead of a number.
 *
 * One binary per mechanism runs the workload in one of three designs, chosen by an argument:
 * `blocking` (the kernel puts a side to sleep when the medium is empty or full), `epoll`
 * (non-blocking calls, epoll_wait only when a call says EAGAIN, like the Node addon) and `spin`
 * (non-blocking calls retried at once, never sleeping). Which one wins depends on the host:
 * where a wake-up costs tens of microseconds, blocking C measures the scheduler. A ceiling is
 * the best of the three, and every design's figure is kept beside it.
 */

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type NativeMechanism, nativeSources } from "./ceilings.ts";
import type { LatencyFigures, Plan } from "./workload.ts";

const run = promisify(execFile);
const sourceDir = fileURLToPath(new URL("./native/", import.meta.url));

export type NativeDesign = "blocking" | "epoll" | "spin";
export const nativeDesigns: readonly NativeDesign[] = ["blocking", "epoll", "spin"];
export type NativeMode = "one-way" | "round-trip";

/** One side of a C pair: CPU over the measured window (the whole run for the echoing side). */
export interface NativeProcessFigures {
  role: "producer" | "consumer" | "pinger" | "ponger";
  pid: number;
  cpu: { userMs: number; systemMs: number };
  maxRssKiB: number;
  /** The CPU the process ran on when it finished (sched_getcpu). */
  lastCpu: number;
}

export interface NativeFigures {
  mechanism: NativeMechanism;
  mode: NativeMode;
  size: number;
  sent: number;
  measuredSent: number;
  received: number;
  measuredReceived: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupt: number;
  seconds: number;
  msgPerSec: number;
  mbPerSec: number;
  /** One-way latency (one-way mode, taken at saturation) or round-trip time, microseconds. */
  latencyUs: Omit<LatencyFigures, "mean" | "samples">;
  processes: NativeProcessFigures[];
  /** CPU (user + system) per measured message on each side, microseconds. */
  cpuUsPerMsg: { producer: number; consumer: number };
  /** The CPUs producer (or pinger) and consumer (or ponger) were pinned to; null when not pinned. */
  pinned: { producer: number; consumer: number } | null;
  /** Why a requested pin did not happen (for example a single CPU); null otherwise. */
  pinNote: string | null;
}

export interface NativeDesignFigures extends NativeFigures {
  design: NativeDesign;
}

export type NativeOutcome =
  | {
      status: "ok";
      /** The design with the highest msg/s. */
      best: NativeDesignFigures;
      /** Every design that ran, in nativeDesigns order. */
      designs: NativeDesignFigures[];
      /** Designs that could not run, with why (a mechanism that cannot be polled, say). */
      failed: { design: NativeDesign; reason: string }[];
    }
  | { status: "not-applicable"; reason: string }
  | { status: "unavailable"; reason: string };

export interface NativeOptions {
  /** Producer and consumer on different CPUs (sched_setaffinity after fork). */
  pin?: boolean;
  /** The designs to run; all three unless given. */
  designs?: readonly NativeDesign[];
}

/** What the C side needs of a plan. */
export type NativePlan = Pick<Plan, "size" | "warmup" | "messages" | "maxSeconds">;

/**
 * The C side measures a little longer than the Node side when the plan is short: a few
 * thousand messages pass through a kernel pipe in a millisecond, too short to time.
 */
export const NATIVE_MIN_MESSAGES = 20_000;

export class NativeCeilings {
  readonly #compiler: string;
  readonly #minMessages: number;
  #dir: string | undefined;
  #unavailable: string | undefined;
  readonly #binaries = new Map<NativeMechanism, Promise<string>>();

  /** `minMessages` lowers NATIVE_MIN_MESSAGES (tests run small plans). */
  constructor(options: { compiler?: string; minMessages?: number } = {}) {
    this.#compiler = options.compiler ?? (process.env.CC || "cc");
    this.#minMessages = options.minMessages ?? NATIVE_MIN_MESSAGES;
  }

  /** Null when a compiler answers; otherwise why there are no ceilings. */
  async check(): Promise<string | null> {
    if (this.#unavailable !== undefined) return this.#unavailable || null;
    try {
      await run(this.#compiler, ["--version"]);
      this.#dir = await mkdtemp(join(tmpdir(), "ipc-atlas-native-"));
      this.#unavailable = "";
    } catch {
      this.#unavailable = `no C compiler: "${this.#compiler}" did not run (install one: apt-get install -y gcc)`;
    }
    return this.#unavailable || null;
  }

  #binary(mechanism: NativeMechanism): Promise<string> {
    let binary = this.#binaries.get(mechanism);
    if (!binary) {
      const out = join(this.#dir!, mechanism);
      const source = join(sourceDir, nativeSources[mechanism]);
      binary = run(this.#compiler, ["-O2", "-std=gnu11", "-o", out, source, "-lrt"]).then(() => out);
      this.#binaries.set(mechanism, binary);
    }
    return binary;
  }

  /**
   * Runs every design once for this mechanism, size and mode, one after the other; no
   * caching (the caller calls it once per round, next to the Node rows it serves).
   */
  async measure(
    mechanism: NativeMechanism,
    plan: NativePlan,
    mode: NativeMode,
    options: NativeOptions = {},
  ): Promise<NativeOutcome> {
    const unavailable = await this.check();
    if (unavailable) return { status: "unavailable", reason: unavailable };
    let binary: string;
    try {
      binary = await this.#binary(mechanism);
    } catch (error) {
      const reason = `compiling ${nativeSources[mechanism]} failed: ${stderrOf(error)}`;
      return { status: "unavailable", reason };
    }
    const designs: NativeDesignFigures[] = [];
    const failed: { design: NativeDesign; reason: string }[] = [];
    for (const design of options.designs ?? nativeDesigns) {
      const outcome = await this.#run(binary, mechanism, design, plan, mode, options.pin ?? false);
      if (outcome.status === "not-applicable") return outcome;
      if (outcome.status === "ok") designs.push(outcome.figures);
      else failed.push({ design, reason: outcome.reason });
    }
    const best = designs.reduce<NativeDesignFigures | undefined>(
      (a, b) => (a && a.msgPerSec >= b.msgPerSec ? a : b),
      undefined,
    );
    if (!best) {
      const reason = failed.map((f) => `${f.design}: ${f.reason}`).join("; ");
      return { status: "unavailable", reason };
    }
    return { status: "ok", best, designs, failed };
  }

  async #run(
    binary: string,
    mechanism: NativeMechanism,
    design: NativeDesign,
    plan: NativePlan,
    mode: NativeMode,
    pin: boolean,
  ): Promise<
    | { status: "ok"; figures: NativeDesignFigures }
    | { status: "not-applicable" | "unavailable"; reason: string }
  > {
    const messages = Math.max(plan.messages, this.#minMessages);
    const args = [mode, String(plan.size), String(plan.warmup), String(messages)];
    args.push(String(plan.maxSeconds), design, ...(pin ? ["--pin"] : []));
    try {
      // The C pair stops itself after maxSeconds; the timeout is for a pair that hangs (its
      // consumer dies with it: the child asks for SIGKILL when its parent goes).
      const timeout = (plan.maxSeconds + 30) * 1000;
      const { stdout } = await run(binary, args, { timeout, killSignal: "SIGKILL" });
      const parsed = JSON.parse(stdout.trim()) as NativeDesignFigures | { notApplicable: string };
      if ("notApplicable" in parsed) return { status: "not-applicable", reason: parsed.notApplicable };
      return { status: "ok", figures: withCpuPerMessage(parsed) };
    } catch (error) {
      return { status: "unavailable", reason: `native ${mechanism} ${design} failed: ${stderrOf(error)}` };
    }
  }

  async dispose(): Promise<void> {
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }
}

function withCpuPerMessage(figures: NativeDesignFigures): NativeDesignFigures {
  const perMessage = (i: number) => {
    const p = figures.processes[i];
    const n = figures.measuredReceived;
    return p && n > 0 ? ((p.cpu.userMs + p.cpu.systemMs) * 1000) / n : 0;
  };
  return { ...figures, cpuUsPerMsg: { producer: perMessage(0), consumer: perMessage(1) } };
}

function stderrOf(error: unknown): string {
  const e = error as { stderr?: string; message?: string; killed?: boolean };
  if (e.killed) return "timed out (killed)";
  return (e.stderr?.trim() || e.message || String(error)).split("\n").slice(0, 3).join(" ");
}
