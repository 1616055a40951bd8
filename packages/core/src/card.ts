/**
 * A variant's card: the facts about it that the catalogue, the comparison and the benchmark
 * show, declared once beside the variant in its own package. The harness derives everything it
 * prints about a variant from its card, so adding a variant is adding a package (or a variant to
 * one), never editing a table elsewhere.
 */

/** The OS mechanisms the benchmark has a C ceiling for (the harness's native/ programs). */
export type NativeMechanism = "pipe" | "fifo" | "posix-mq" | "unix-socket" | "tcp" | "shm-ring";

/** How the variant behaves, one row each on its page and in the comparison. */
export interface Semantics {
  blocking: string;
  buffering: string;
  ordering: string;
  delivery: string;
  durability: string;
  boundaries: string;
  scope: string;
  limits: string;
  /** Network variants (and their OS siblings): who can send to, end or read the medium. */
  access?: string;
}

/** The semantics rows in the order pages show them, with their titles. */
export const semanticsColumns: ReadonlyArray<readonly [keyof Semantics, string]> = [
  ["blocking", "Blocking"],
  ["buffering", "Buffering and capacity"],
  ["ordering", "Ordering"],
  ["delivery", "Delivery guarantee"],
  ["durability", "Durability"],
  ["boundaries", "Message boundaries"],
  ["scope", "Scope"],
  ["limits", "Limits"],
  ["access", "Who can send and read"],
];

export interface VariantCard {
  readonly semantics: Semantics;
  /**
   * The code the catalogue page shows, in reading order: a file, from the package's folder, or
   * `file#name` for just the function `name` in it (with the comment above it).
   */
  readonly demoSources: readonly string[];
  /**
   * The C ceiling the benchmark compares the variant with: the same workload in C over the OS
   * mechanism underneath (for a server or protocol stack, the transport under it). Which mode
   * (one-way or round trip) follows the variant's timing. None: no ceiling applies.
   */
  readonly ceiling?: NativeMechanism;
  /**
   * Inter-process variants: what a consumer sees when its producer's process dies without
   * `close()` (see the Consumer contract in variant.ts): the iteration ends, fails with a typed
   * error, or waits for another producer.
   */
  readonly producerDeath?: "end" | "error" | "waits";
  /** The one variant the catalogue is built around; list and docs mark it. */
  readonly flagship?: boolean;
}
