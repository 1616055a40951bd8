/**
 * Native ceilings: the C programs in native/ compiled on the fly with the system compiler
 * (`cc`, or $CC) into a temporary directory, once per run, and executed with the same plan
 * as the Node side. Without a compiler every ceiling says why instead of a number.
 */

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type NativeMechanism, nativeSources } from "./ceilings.ts";
import type { BenchMode } from "./protocol.ts";
import type { LatencyFigures, Plan, ProcessFigures } from "./workload.ts";

const run = promisify(execFile);
const sourceDir = fileURLToPath(new URL("./native/", import.meta.url));

export interface NativeFigures {
  mechanism: NativeMechanism;
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
  latencyUs: Omit<LatencyFigures, "mean" | "samples">;
  processes: ProcessFigures[];
}

export type NativeOutcome =
  | { status: "ok"; figures: NativeFigures }
  | { status: "not-applicable"; reason: string }
  | { status: "unavailable"; reason: string };

/**
 * The C side measures a little longer than the Node side when the plan is short: a few
 * thousand messages pass through a kernel pipe in a millisecond, too short to time.
 */
export const NATIVE_MIN_MESSAGES = 20_000;

export class NativeCeilings {
  readonly #compiler: string;
  #dir: string | undefined;
  #unavailable: string | undefined;
  readonly #binaries = new Map<NativeMechanism, Promise<string>>();
  readonly #results = new Map<string, Promise<NativeOutcome>>();

  constructor(compiler = process.env.CC || "cc") {
    this.#compiler = compiler;
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
      binary = run(this.#compiler, [
        "-O2",
        "-o",
        out,
        join(sourceDir, nativeSources[mechanism]),
        "-lrt",
      ]).then(() => out);
      this.#binaries.set(mechanism, binary);
    }
    return binary;
  }

  /** Measures one mechanism at one size and mode; each combination runs once per harness run. */
  measure(mechanism: NativeMechanism, plan: Plan, mode: BenchMode): Promise<NativeOutcome> {
    const key = `${mechanism}/${plan.size}/${mode}`;
    let result = this.#results.get(key);
    if (!result) {
      result = this.#measure(mechanism, plan, mode);
      this.#results.set(key, result);
    }
    return result;
  }

  async #measure(mechanism: NativeMechanism, plan: Plan, mode: BenchMode): Promise<NativeOutcome> {
    const unavailable = await this.check();
    if (unavailable) return { status: "unavailable", reason: unavailable };
    let binary: string;
    try {
      binary = await this.#binary(mechanism);
    } catch (error) {
      return {
        status: "unavailable",
        reason: `compiling ${nativeSources[mechanism]} failed: ${stderrOf(error)}`,
      };
    }
    const messages = Math.max(plan.messages, NATIVE_MIN_MESSAGES);
    const args = [mode, String(plan.size), String(plan.warmup), String(messages), String(plan.maxSeconds)];
    try {
      const { stdout } = await run(binary, args, { timeout: (plan.maxSeconds + 30) * 1000 });
      const parsed = JSON.parse(stdout.trim()) as NativeFigures | { notApplicable: string };
      if ("notApplicable" in parsed) return { status: "not-applicable", reason: parsed.notApplicable };
      return { status: "ok", figures: parsed };
    } catch (error) {
      return { status: "unavailable", reason: `native ${mechanism} failed: ${stderrOf(error)}` };
    }
  }

  async dispose(): Promise<void> {
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }
}

function stderrOf(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(error)).split("\n").slice(0, 3).join(" ");
}
