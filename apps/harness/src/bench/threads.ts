/**
 * The two sides of an in-process variant whose medium is memory shared between threads
 * (`placement: "threads"`), each on a worker thread of the bench child. The child opens the
 * medium, starts one thread per side running child.ts's own steps with the roles an
 * inter-process run gives its two processes (receiver and sender, or ponger and pinger), and
 * relays the protocol to both. The SharedArrayBuffer in the address is shared with the
 * threads, not copied, when the job is posted to them. Both threads belong to one process, so
 * its CPU time is one figure for both sides, as for every in-process row.
 */

import { spawnThread, type ThreadHandle } from "@ipc-atlas/core";
import { Conversation } from "./conversation.ts";
import type { BenchMode, ChildReport, FromChild, Job, ToChild, VariantRef } from "./protocol.ts";
import { type Plan, processFigures } from "./workload.ts";

const childScript = new URL("./child.ts", import.meta.url);

// The harness times the child; a thread of it needs no clock of its own (setTimeout's maximum).
const NO_TIMEOUT = 2 ** 31 - 1;

class BenchThread {
  readonly #thread: ThreadHandle;
  readonly #conversation: Conversation;

  constructor(label: string) {
    this.#thread = spawnThread(childScript);
    this.#conversation = new Conversation(
      label,
      this.#thread.exited,
      () => this.#thread.error()?.stack ?? "",
    );
    this.#thread.worker.on("message", (message: FromChild) => this.#conversation.receive(message));
  }

  send(message: ToChild): void {
    this.#thread.worker.postMessage(message);
  }

  next(what: string): Promise<FromChild> {
    return this.#conversation.next(what, NO_TIMEOUT);
  }

  terminate(): Promise<void> {
    return this.#thread.terminate();
  }
}

/** The jobs of the two threads, consumer side first: the same as the two processes of an inter-process run. */
function sideJobs(variant: VariantRef, mode: BenchMode, addresses: unknown[]): Job[] {
  const [first, second] = addresses;
  if (mode === "one-way") {
    return [
      { role: "receiver", variant, address: first },
      { role: "sender", variant, address: first },
    ];
  }
  return [
    { role: "ponger", variant, out: first, back: second },
    { role: "pinger", variant, out: first, back: second },
  ];
}

export class ThreadSides {
  readonly #threads: BenchThread[];
  readonly #mode: BenchMode;

  private constructor(threads: BenchThread[], mode: BenchMode) {
    this.#threads = threads;
    this.#mode = mode;
  }

  /** Starts both threads on `addresses` (the media this process opened) and waits until they loaded the variant. */
  static async start(
    variant: VariantRef,
    mode: BenchMode,
    plan: Plan,
    addresses: unknown[],
    pin: boolean,
  ): Promise<ThreadSides> {
    const jobs = sideJobs(variant, mode, addresses);
    const threads = jobs.map((job) => new BenchThread(`${variant.id} ${job.role} thread`));
    const sides = new ThreadSides(threads, mode);
    try {
      // Under --pin each thread binds itself to its side's CPU before it answers.
      for (const [i, job] of jobs.entries()) threads[i]!.send({ job, plan, pin });
      for (const thread of threads) await thread.next("loading");
    } catch (error) {
      await sides.dispose();
      throw error;
    }
    return sides;
  }

  /** Attaches `kind` on every thread in turn (consumers are attached before any producer). */
  async attach(kind: "consumer" | "producer"): Promise<void> {
    for (const thread of this.#threads) {
      thread.send({ attach: kind });
      await thread.next(`attaching its ${kind}`);
    }
  }

  /** Runs both sides at once; one report, with the process's CPU for both. */
  async run(): Promise<ChildReport> {
    for (const thread of this.#threads) thread.send({ go: true });
    const reports = await Promise.all(
      this.#threads.map(async (thread) => {
        const message = await thread.next("running");
        if (!("done" in message)) throw new Error("a bench thread answered out of turn");
        return message.done;
      }),
    );
    const sender = reports.find((r) => r.sender)?.sender;
    const receiver = reports.find((r) => r.receiver)?.receiver;
    if (!sender || !receiver) throw new Error("a bench thread sent no report");
    const role = this.#mode === "one-way" ? "producer+consumer" : "pinger+ponger";
    const threads = reports.flatMap((r) =>
      r.processes.map((p) => ({ role: p.role, cpusAllowed: p.cpusAllowed })),
    );
    return { sender, receiver, processes: [{ ...processFigures(role, sender.cpu), threads }] };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.#threads.map((thread) => thread.terminate()));
  }
}
