/**
 * What the harness and its bench child processes say to each other over the child's IPC
 * channel. The channel carries only control messages and the final reports, never the
 * benchmarked messages: those go through the variant under test.
 *
 * A run goes: harness sends `job`; child loads the variant and answers `loaded`; harness
 * sends `attach: "consumer"` to every child, then `attach: "producer"` (consumers first, so a
 * producer never looks for a consumer that is not listening yet); then `go`; each child
 * answers `done` with its report, or `failed` / `notApplicable` at any step.
 */

import type { IpcErrorJSON } from "@ipc-atlas/core";
import type { Plan, ProcessFigures, ReceiverReport, SenderReport } from "./workload.ts";

export type BenchMode = "one-way" | "round-trip";

/** Where a child finds a variant: the module it is exported from, and its id. */
export interface VariantRef {
  module: string;
  id: string;
}

export type Job =
  /** One-way, inter-process: the producing process. */
  | { role: "sender"; variant: VariantRef; address: unknown }
  /** One-way, inter-process: the consuming process. */
  | { role: "receiver"; variant: VariantRef; address: unknown }
  /** Round-trip, inter-process: produces on `out`, reads the echoes from `back`. */
  | { role: "pinger"; variant: VariantRef; out: unknown; back: unknown }
  /** Round-trip, inter-process: reads from `out`, echoes on `back`. */
  | { role: "ponger"; variant: VariantRef; out: unknown; back: unknown }
  /** An in-process variant: this one process opens the medium and runs both sides. */
  | { role: "local"; variant: VariantRef; mode: BenchMode }
  /**
   * An in-process variant with `placement: "threads"`: this one process opens the medium and
   * runs each side on a worker thread of its own (threads.ts), the address being memory both
   * threads share.
   */
  | { role: "threads"; variant: VariantRef; mode: BenchMode }
  /** A baseline (bench/baselines): it starts its own peer from here. */
  | { role: "baseline"; baseline: string; mode: BenchMode };

/** `pin`: --pin was given; a job that is one side on a worker thread binds that thread (pin.ts). */
export type ToChild =
  | { job: Job; plan: Plan; pin?: boolean }
  | { attach: "consumer" | "producer" }
  | { go: true };

/**
 * The address a job's consumer attaches to, when the harness opened it: `attach: "consumer"`
 * carries the listening socket the endpoint holds for it, if any (a tcp endpoint listens from
 * open() on and hands its socket to the consumer, so that no other program can take the port).
 */
export function consumerAddress(job: Job): unknown {
  if (job.role === "receiver") return job.address;
  if (job.role === "pinger") return job.back;
  if (job.role === "ponger") return job.out;
  return undefined;
}

/** A child's share of the results; the harness merges the reports of all children of a run. */
export interface ChildReport {
  sender?: SenderReport;
  receiver?: ReceiverReport;
  processes: ProcessFigures[];
}

export type FromChild =
  | { loaded: true }
  | { attached: "consumer" | "producer" }
  | { done: ChildReport }
  | { notApplicable: string }
  | { failed: IpcErrorJSON };

/** The one wording for a size a medium cannot carry. */
export function tooLargeReason(size: number, limit: number): string {
  return `${size}-byte messages exceed the medium's limit of ${limit} bytes (endpoint.maxMessageSize)`;
}

/** Thrown where a run cannot apply (a size its medium cannot carry, a library that is not installed): reported, not failed. */
export class NotApplicable extends Error {}
