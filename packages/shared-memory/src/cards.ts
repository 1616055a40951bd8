/**
 * The catalogue cards of this package's variants: what the harness lists, explains, documents
 * and benchmarks about each, declared once here. A card says how the variant behaves (the
 * semantics rows of its page and of the comparison), which C ceiling the benchmark compares it
 * with, and which code its catalogue page shows (paths from this package's folder; `file#name`
 * for just the function `name`).
 */

import type { VariantCard } from "@ipc-atlas/core";

export const sharedMemoryWorkersCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "~512 KiB",
  // Worker threads share memory inside one process; the nearest ceiling is the same ring
  // between two processes (no process boundary is cheaper still, so the ratio can pass 1).
  ceiling: "shm-ring",
  semantics: {
    blocking:
      "`send` waits only while the ring is full, the consumer only while it is empty; both wait in `Atomics.waitAsync`, never blocking their thread",
    buffering: "a ring of 1 MiB by default (a power of two; records are padded to 8 bytes)",
    ordering: "FIFO",
    delivery: "exactly-once inside the process; a record in the ring is lost only with the process",
    durability: "none: the SharedArrayBuffer lives as long as a thread references it",
    boundaries: "kept: a 4-byte length before every record",
    scope: "worker threads of one process (the address is the SharedArrayBuffer)",
    limits:
      "a record of at most half the ring (512 KiB − 4 by default); one producer and one consumer per ring",
    access: "threads of the process that were given the SharedArrayBuffer",
  },
  demoSources: [
    "src/demo-shared-memory-workers.ts",
    "examples/01-workers-producer.ts",
    "examples/02-workers-consumer.ts",
  ],
};

export const sharedMemoryPosixCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "~512 KiB",
  producerDeath: "error",
  ceiling: "shm-ring",
  semantics: {
    blocking:
      "`send` waits only while the ring is full, the consumer only while it is empty; a side waits by polling its doorbell FIFO on the event loop (uv_poll), never blocking it",
    buffering:
      "a ring of 1 MiB by default in the shared-memory object (a power of two; records padded to 8 bytes)",
    ordering: "FIFO",
    delivery:
      "exactly-once, in order, while both sides live; no acknowledgement or redelivery: at-most-once across a crash",
    durability: "in /dev/shm (memory) until unlinked: Endpoint.close(), or the owner's exit or signal",
    boundaries: "kept: a 4-byte length before every record",
    scope: "processes of one user on one host (the object is 0600 and must be the user's own)",
    limits: "a record of at most half the ring; one producer and one consumer per ring; Linux only",
    access:
      "processes of its owner that know its name (an object open to others, or not the user's own, is refused)",
  },
  demoSources: [
    "src/demo-shared-memory-posix.ts",
    "examples/03-posix-consumer.ts",
    "examples/04-posix-producer.ts",
  ],
};
