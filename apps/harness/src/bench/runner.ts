/**
 * Runs one benchmark target at one size in fresh bench child processes (child.ts) and merges
 * their reports. Inter-process variants: the harness opens the medium (it owns it, like a
 * user's supervisor would), a consumer child and a producer child attach to its address.
 * In-process variants and baselines: one child does everything. Nothing here looks at a
 * variant's name: the taxonomy scope decides the layout.
 */

import {
  type AnyVariant,
  type ChildHandle,
  type Endpoint,
  isInterProcess,
  sendWithListener,
  spawnScript,
} from "@ipc-atlas/core";
import type { Baseline } from "./baselines/index.ts";
import { ceilingOf, type NativeMechanism } from "./ceilings.ts";
import { Conversation, NotApplicableSignal } from "./conversation.ts";
import { nullVariant } from "./null-variant.ts";
import { openForSize } from "./open-medium.ts";
import { cpuFor, pinProcess } from "./pin.ts";
import {
  type BenchMode,
  type ChildReport,
  consumerAddress,
  type FromChild,
  type Job,
  type ToChild,
} from "./protocol.ts";
import type { Plan, ProcessFigures, ReceiverReport, SenderReport } from "./workload.ts";

/** Something the bench measures: a registered variant or a baseline. */
export interface BenchTarget {
  id: string;
  kind: "variant" | "baseline";
  summary: string;
  /** The taxonomy scope of a variant, or how a baseline separates its two sides. */
  scope: string;
  timing: string | null;
  ceiling: NativeMechanism | null;
  variant?: AnyVariant;
  baseline?: Baseline;
}

export function variantTarget(variant: AnyVariant): BenchTarget {
  return {
    id: variant.id,
    kind: "variant",
    summary: variant.summary,
    scope: variant.taxonomy.scope,
    timing: variant.taxonomy.timing,
    ceiling: ceilingOf(variant),
    variant,
  };
}

/** The `null` row: the bench's own loops over no medium (null-variant.ts); in every run. */
export function nullTarget(): BenchTarget {
  return { ...variantTarget(nullVariant), kind: "baseline" };
}

export function baselineTarget(baseline: Baseline): BenchTarget {
  return {
    id: baseline.id,
    kind: "baseline",
    summary: baseline.summary,
    scope: baseline.scope,
    timing: "asynchronous",
    ceiling: baseline.ceiling,
    baseline,
  };
}

export interface MergedReport {
  sender: SenderReport;
  receiver: ReceiverReport;
  processes: ProcessFigures[];
}

export type RunOutcome =
  | { status: "ok"; report: MergedReport }
  | { status: "not-applicable"; reason: string }
  | { status: "failed"; reason: string };

/** Pending sends allowed to an asynchronous variant's producer (see Plan.window). */
export const ASYNC_WINDOW = 32;

/** The plan for one target: the size's plan with the send window its timing allows. */
export function planForTarget(target: BenchTarget, plan: Plan): Plan {
  return { ...plan, window: target.timing === "asynchronous" ? ASYNC_WINDOW : 1 };
}

const childScript = new URL("./child.ts", import.meta.url);

/** One bench child and the conversation with it. */
class BenchChild {
  readonly handle: ChildHandle;
  readonly label: string;
  /** Resolves once the process (all its threads) is bound to its CPU (pin.ts); null when not pinned. */
  readonly pinned: Promise<void> | null = null;
  readonly #conversation: Conversation;

  constructor(label: string, cpu: number | null) {
    this.label = label;
    this.handle = spawnScript(childScript, { stdio: "pipe" });
    if (cpu !== null) this.pinned = pinProcess(this.handle.process.pid!, cpu);
    this.#conversation = new Conversation(label, this.handle.exited, () => this.handle.output());
    this.handle.process.on("message", (message: FromChild) => this.#conversation.receive(message));
  }

  /** Sends `message`, with the listening socket held for `address` if there is one. */
  send(message: ToChild, address?: unknown): void {
    if (typeof address === "object" && address !== null)
      sendWithListener(this.handle.process, message, address);
    else this.handle.process.send(message);
  }

  /** The next message, or an error: the child failed, exited, or took longer than `timeoutMs`. */
  next(what: string, timeoutMs: number): Promise<FromChild> {
    return this.#conversation.next(what, timeoutMs);
  }

  async dispose(): Promise<void> {
    if (this.#conversation.exited) return;
    if (this.handle.process.connected) this.handle.process.disconnect();
    const timer = setTimeout(() => this.handle.kill("SIGKILL"), 3000);
    await this.handle.exited;
    clearTimeout(timer);
  }
}

export interface RunTimeouts {
  /** Loading, attaching. */
  setupMs: number;
  /** From go to the last report. */
  runMs: number;
}

export function timeoutsFor(plan: Plan): RunTimeouts {
  return {
    setupMs: 60_000,
    runMs: (plan.maxSeconds + (plan.pass === "latency" ? plan.maxSeconds : 0) + 60) * 1000,
  };
}

export interface RunHooks {
  onStart?(plan: Plan): void;
  onDone?(plan: Plan, outcome: RunOutcome): void;
}

/** Runs `target` once with `plan`, in fresh processes; never throws: failures come back as outcomes. */
export async function runTarget(target: BenchTarget, plan: Plan, mode: BenchMode): Promise<RunOutcome> {
  const [outcome] = await runTargetPlans(target, [plan], mode, { reuseProcesses: false });
  return outcome!;
}

/**
 * Runs `target` with each plan in turn (one per size). With `reuseProcesses` the same bench
 * children serve every size, which saves starting Node, tsx and the variant's module again
 * for each size (seconds on a busy machine); CPU time is still counted per measured window,
 * but peak RSS is then the peak of the process so far. Without it every size gets fresh
 * processes. A run that fails ends its processes either way.
 */
export async function runTargetPlans(
  target: BenchTarget,
  sizePlans: Plan[],
  mode: BenchMode,
  options: { reuseProcesses: boolean; pin?: boolean },
  hooks: RunHooks = {},
): Promise<RunOutcome[]> {
  const processes = new TargetProcesses();
  try {
    return await processes.run(target, sizePlans, mode, options, hooks);
  } finally {
    await processes.dispose();
  }
}

/**
 * The bench children of one target, kept between calls of run() (the rounds of a bench run
 * reuse them: starting Node, tsx and a variant's module takes seconds on a busy machine).
 * A run that fails ends them; the next run starts fresh ones.
 */
export class TargetProcesses {
  #children: BenchChild[] = [];

  async dispose(): Promise<void> {
    const ending = this.#children;
    this.#children = [];
    await Promise.all(ending.map((child) => child.dispose()));
  }

  async run(
    target: BenchTarget,
    sizePlans: Plan[],
    mode: BenchMode,
    options: { reuseProcesses: boolean; pin?: boolean },
    hooks: RunHooks = {},
  ): Promise<RunOutcome[]> {
    const outcomes: RunOutcome[] = [];
    const dispose = () => this.dispose();
    for (const sizePlan of sizePlans) {
      const plan = planForTarget(target, sizePlan);
      hooks.onStart?.(plan);
      const timeouts = timeoutsFor(plan);
      const endpoints: Endpoint<unknown>[] = [];
      let outcome: RunOutcome;
      try {
        const jobs = await jobsFor(target, plan, mode, endpoints);
        if (this.#children.length === 0)
          this.#children = jobs.map(
            (job) =>
              new BenchChild(`${target.id} ${job.role} process`, options.pin ? cpuFor(job.role) : null),
          );
        const children = this.#children;
        for (const child of children) await child.pinned;
        for (const [i, job] of jobs.entries()) children[i]!.send({ job, plan, pin: options.pin ?? false });
        for (const child of children) await child.next("loading", timeouts.setupMs);
        // Every consumer first, then every producer: a producer may need its consumer listening.
        for (const kind of ["consumer", "producer"] as const) {
          for (const [i, child] of children.entries()) {
            child.send({ attach: kind }, kind === "consumer" ? consumerAddress(jobs[i]!) : undefined);
            await child.next(`attaching its ${kind}`, timeouts.setupMs);
          }
        }
        for (const child of children) child.send({ go: true });
        const reports = await Promise.all(
          children.map(async (child) => {
            const message = await child.next("running", timeouts.runMs);
            if (!("done" in message)) throw new Error(`${child.label} answered out of turn`);
            return message.done;
          }),
        );
        outcome = merge(target, reports);
      } catch (error) {
        if (error instanceof NotApplicableSignal)
          outcome = { status: "not-applicable", reason: error.message };
        else outcome = { status: "failed", reason: (error as Error)?.message ?? String(error) };
      }
      if (outcome.status === "failed" || !options.reuseProcesses) await dispose();
      for (const endpoint of endpoints) await endpoint.close().catch(() => {});
      outcomes.push(outcome);
      hooks.onDone?.(plan, outcome);
    }
    return outcomes;
  }
}

async function jobsFor(
  target: BenchTarget,
  plan: Plan,
  mode: BenchMode,
  endpoints: Endpoint<unknown>[],
): Promise<Job[]> {
  if (target.baseline) return [{ role: "baseline", baseline: target.baseline.id, mode }];
  const variant = target.variant!;
  const ref = { module: variant.module, id: variant.id };
  if (!isInterProcess(variant.taxonomy.scope)) {
    // Memory shared between threads: one process, each side on a worker thread of its own.
    return [{ role: variant.placement === "threads" ? "threads" : "local", variant: ref, mode }];
  }
  // Round-trip needs a medium each way: the variant opened twice.
  for (let i = 0; i < (mode === "one-way" ? 1 : 2); i++) {
    const opened = await openForSize(variant, plan.size);
    if ("notApplicable" in opened) throw new NotApplicableSignal(opened.notApplicable);
    endpoints.push(opened.endpoint);
  }
  const [first, second] = endpoints.map((e) => e.address);
  if (mode === "one-way") {
    return [
      { role: "receiver", variant: ref, address: first },
      { role: "sender", variant: ref, address: first },
    ];
  }
  return [
    { role: "ponger", variant: ref, out: first, back: second },
    { role: "pinger", variant: ref, out: first, back: second },
  ];
}

function merge(target: BenchTarget, reports: ChildReport[]): RunOutcome {
  const sender = reports.find((r) => r.sender)?.sender;
  const receiver = reports.find((r) => r.receiver)?.receiver;
  if (!sender || !receiver) return { status: "failed", reason: `${target.id}: a side sent no report` };
  const lost = Math.max(0, sender.sent - receiver.distinct);
  return {
    status: "ok",
    report: { sender, receiver: { ...receiver, lost }, processes: reports.flatMap((r) => r.processes) },
  };
}
