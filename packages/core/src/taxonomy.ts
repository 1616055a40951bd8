/**
 * The ipc-atlas taxonomy: every variant id, and where it sits by scope, model and timing.
 * The ids are the leaves of the tree that `ipc-atlas list` prints; nothing else names variants.
 */

export type Scope = "in-process" | "inter-process, OS" | "inter-process, network";
export type Model = "shared memory" | "message passing";
export type Timing = "synchronous" | "asynchronous";

export interface Taxonomy {
  readonly scope: Scope;
  readonly model: Model;
  readonly timing: Timing;
  /** One line on the medium that carries the bytes. */
  readonly medium: string;
  /** The workspace package that implements the variant. */
  readonly packageName: string;
}

export const variantIds = [
  "pipes-unnamed",
  "pipes-unnamed-io",
  "shared-memory-workers",
  "channels-buffered",
  "channels-unbuffered",
  "pipes-named",
  "shared-memory-posix",
  "message-queues",
  "pub-sub-nats-os",
  "tcp",
  "grpc-os",
  "pub-sub-nats-network",
  "tcp-ip",
  "grpc-network",
  "rest",
] as const;

export type VariantId = (typeof variantIds)[number];

export const taxonomy: Readonly<Record<VariantId, Taxonomy>> = {
  "pipes-unnamed": {
    scope: "in-process",
    model: "shared memory",
    timing: "synchronous",
    medium: "an io.Pipe-like pipe: a write resolves only when the reader has taken the bytes",
    packageName: "@ipc-atlas/pipes",
  },
  "pipes-unnamed-io": {
    scope: "in-process",
    model: "shared memory",
    timing: "synchronous",
    medium: "the same pipe composed with Node streams (stream.pipeline), like Go's io.Reader/io.Writer",
    packageName: "@ipc-atlas/pipes",
  },
  "shared-memory-workers": {
    scope: "in-process",
    model: "shared memory",
    timing: "asynchronous",
    medium: "a ring of records in a SharedArrayBuffer between worker threads (Atomics, waitAsync)",
    packageName: "@ipc-atlas/shared-memory",
  },
  "channels-buffered": {
    scope: "in-process",
    model: "message passing",
    timing: "asynchronous",
    medium: "a Go-style channel with capacity N",
    packageName: "@ipc-atlas/channels",
  },
  "channels-unbuffered": {
    scope: "in-process",
    model: "message passing",
    timing: "synchronous",
    medium: "a Go-style rendezvous channel (capacity 0)",
    packageName: "@ipc-atlas/channels",
  },
  "pipes-named": {
    scope: "inter-process, OS",
    model: "shared memory",
    timing: "synchronous",
    medium: "a FIFO made with mkfifo",
    packageName: "@ipc-atlas/pipes",
  },
  "shared-memory-posix": {
    scope: "inter-process, OS",
    model: "shared memory",
    timing: "asynchronous",
    medium: "a ring of records in a POSIX shared-memory object (shm_open + mmap) between processes",
    packageName: "@ipc-atlas/shared-memory",
  },
  "message-queues": {
    scope: "inter-process, OS",
    model: "message passing",
    timing: "asynchronous",
    medium: "a POSIX message queue (mq_open/mq_send/mq_receive)",
    packageName: "@ipc-atlas/message-queue",
  },
  "pub-sub-nats-os": {
    scope: "inter-process, OS",
    model: "message passing",
    timing: "asynchronous",
    medium: "NATS subjects through a nats-server on this host",
    packageName: "@ipc-atlas/nats",
  },
  tcp: {
    scope: "inter-process, OS",
    model: "message passing",
    timing: "asynchronous",
    medium: "TCP over loopback between processes on this host",
    packageName: "@ipc-atlas/tcp",
  },
  "grpc-os": {
    scope: "inter-process, OS",
    model: "message passing",
    timing: "synchronous",
    medium: "gRPC over a Unix domain socket",
    packageName: "@ipc-atlas/grpc",
  },
  "pub-sub-nats-network": {
    scope: "inter-process, network",
    model: "message passing",
    timing: "asynchronous",
    medium: "NATS across a cluster of nats-servers (routes), client and server addressed by URL",
    packageName: "@ipc-atlas/nats",
  },
  "tcp-ip": {
    scope: "inter-process, network",
    model: "message passing",
    timing: "asynchronous",
    medium: "TCP/IP between hosts, addressed by host and port",
    packageName: "@ipc-atlas/tcp",
  },
  "grpc-network": {
    scope: "inter-process, network",
    model: "message passing",
    timing: "synchronous",
    medium: "gRPC over TCP/IP, addressed by host and port",
    packageName: "@ipc-atlas/grpc",
  },
  rest: {
    scope: "inter-process, network",
    model: "message passing",
    timing: "synchronous",
    medium: "HTTP request/reply with express on the server",
    packageName: "@ipc-atlas/rest",
  },
};

export function isVariantId(value: string): value is VariantId {
  return (variantIds as readonly string[]).includes(value);
}

/** True when producer and consumer of this scope live in separate OS processes. */
export function isInterProcess(scope: Scope): boolean {
  return scope !== "in-process";
}

/** The path from the root of the tree to a leaf: scope, model, timing, id. */
export function taxonomyPath(id: VariantId): readonly string[] {
  const t = taxonomy[id];
  return [t.scope, t.model, t.timing, id];
}
