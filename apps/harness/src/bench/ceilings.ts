/**
 * Which native ceiling each variant is compared with: data, looked up by variant id. A
 * ceiling is the same workload written in C over the OS mechanism the variant rides on (see
 * native/); the ratio Node/C says how much the variant's layers cost. Variants that go
 * through a server (NATS) or a protocol stack (gRPC, HTTP) are compared with the transport
 * underneath, so their ratio also shows the price of that server or protocol. Which mode of
 * the ceiling applies (one-way or round trip) follows the variant's timing and is the
 * harness's choice: a synchronous variant is bounded by a round trip.
 */

export type NativeMechanism = "pipe" | "fifo" | "posix-mq" | "unix-socket" | "tcp" | "shm-ring";

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

/** Variant id → the mechanism it is measured against. Ids not listed have no ceiling. */
export const ceilingByVariant: Readonly<Record<string, NativeMechanism>> = {
  "pipes-named": "fifo",
  "message-queues": "posix-mq",
  tcp: "tcp",
  "tcp-ip": "tcp",
  "grpc-os": "unix-socket",
  "grpc-network": "tcp",
  "pub-sub-nats-os": "tcp",
  "pub-sub-nats-network": "tcp",
  rest: "tcp",
  "shared-memory-posix": "shm-ring",
  // Worker threads share memory inside one process; the nearest ceiling is the same ring
  // between two processes (no process boundary is cheaper still, so the ratio can pass 1).
  "shared-memory-workers": "shm-ring",
};

export function ceilingOf(variantId: string): NativeMechanism | null {
  return Object.hasOwn(ceilingByVariant, variantId) ? ceilingByVariant[variantId]! : null;
}
