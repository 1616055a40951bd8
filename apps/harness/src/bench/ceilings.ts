/**
 * The native ceilings: for each OS mechanism, the C program (in native/) that runs the same
 * workload over it. A variant names its mechanism in its card; the ratio Node/C says how much
 * the variant's layers cost. Variants that go through a server (NATS) or a protocol stack (gRPC,
 * HTTP) name the transport underneath, so their ratio also shows the price of that server or
 * protocol. Which mode of the ceiling applies (one-way or round trip) follows the variant's
 * timing and is the harness's choice: a synchronous variant is bounded by a round trip.
 */

import type { AnyVariant, NativeMechanism } from "@ipc-atlas/core";

export type { NativeMechanism };

export const nativeMechanisms: readonly NativeMechanism[] = [
  "pipe",
  "fifo",
  "posix-mq",
  "unix-socket",
  "tcp",
  "shm-ring",
];

/** The C source file (in native/) of each mechanism. */
export const nativeSources: Readonly<Record<NativeMechanism, string>> = {
  pipe: "pipe.c",
  fifo: "fifo.c",
  "posix-mq": "posix-mq.c",
  "unix-socket": "unix-socket.c",
  tcp: "tcp.c",
  "shm-ring": "shm-ring.c",
};

/** The mechanism a variant is measured against, as its card says; null when none applies. */
export function ceilingOf(variant: AnyVariant): NativeMechanism | null {
  return variant.card?.ceiling ?? null;
}
