/**
 * The catalogue cards of this package's variants: what the harness lists, explains, documents
 * and benchmarks about each, declared once here. A card says how the variant behaves (the
 * semantics rows of its page and of the comparison), which C ceiling the benchmark compares it
 * with, and which code its catalogue page shows (paths from this package's folder; `file#name`
 * for just the function `name`).
 */

import type { VariantCard } from "@ipc-atlas/core";

export const channelsBufferedCard: VariantCard = {
  survives: "no",
  consumers: "compete",
  maxMessage: "no limit",
  semantics: {
    blocking: "`send` waits only while N values are buffered; `receive` waits while empty",
    buffering: "a ring of N slots (default 16)",
    ordering: "FIFO",
    delivery: "exactly-once inside the process",
    durability: "none: process memory",
    boundaries: "one value per message (passed by reference, not copied)",
    scope: "asynchronous tasks of one process",
    limits: "memory; no size limit",
    access: "any code of the process that holds the `Channel` object",
  },
  demoSources: ["examples/02-buffered.ts"],
};

export const channelsUnbufferedCard: VariantCard = {
  survives: "no",
  consumers: "compete",
  maxMessage: "no limit",
  semantics: {
    blocking: "`send` waits until a receiver takes the value (rendezvous)",
    buffering: "none (capacity 0)",
    ordering: "FIFO",
    delivery: "exactly-once inside the process; a resolved send means the value was taken",
    durability: "none: process memory",
    boundaries: "one value per message (passed by reference)",
    scope: "asynchronous tasks of one process",
    limits: "memory; no size limit",
    access: "any code of the process that holds the `Channel` object",
  },
  demoSources: ["examples/01-unbuffered.ts"],
};
