/**
 * The catalogue's data: for every variant, its semantics and where its demo's code lives.
 * The docs generator renders the semantics table of each page and the comparison page from
 * this one table, so the two can never disagree.
 */

import type { VariantId } from "@ipc-atlas/core";

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

export const semanticsColumns: ReadonlyArray<[keyof Semantics, string]> = [
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

export interface CatalogueEntry {
  semantics: Semantics;
  /**
   * The code the page shows, in reading order: a file from the repository root, or
   * `file#name` for just the function `name` in it (with the comment above it).
   */
  demoSources: string[];
}

export const catalogue: Record<VariantId, CatalogueEntry> = {
  "pipes-unnamed": {
    semantics: {
      blocking: "`write` waits until the reader has consumed every byte; `read` waits for a writer",
      buffering: "none: bytes go straight from the writer's buffer to the reader's",
      ordering: "byte order of the stream",
      delivery:
        "exactly-once inside the process (nothing can fail between the two sides but the process itself)",
      durability: "none: process memory",
      boundaries: "a byte stream; messages are framed with a 4-byte length prefix",
      scope: "asynchronous tasks of one process",
      limits: "memory; messages up to 1 MiB by default, up to 16 MiB with open({ maxMessageSize })",
    },
    demoSources: ["packages/pipes/src/demo-pipes-unnamed.ts#demo"],
  },
  "pipes-unnamed-io": {
    semantics: {
      blocking:
        "as pipes-unnamed, seen through stream backpressure (`write()` returns false, then `'drain'`)",
      buffering: "each Node stream adds its highWaterMark (16 KiB) in front of the pipe",
      ordering: "byte order of the stream",
      delivery: "exactly-once inside the process",
      durability: "none: process memory",
      boundaries: "a byte stream; transforms (gzip) may re-chunk it; messages are framed",
      scope: "asynchronous tasks of one process",
      limits: "memory; messages up to 1 MiB by default, up to 16 MiB with open({ maxMessageSize })",
    },
    demoSources: ["packages/pipes/src/demo-pipes-unnamed-io.ts#demo"],
  },
  "shared-memory-workers": {
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
    },
    demoSources: [
      "packages/shared-memory/src/demo-shared-memory-workers.ts",
      "packages/shared-memory/examples/01-workers-producer.ts",
      "packages/shared-memory/examples/02-workers-consumer.ts",
    ],
  },
  "channels-buffered": {
    semantics: {
      blocking: "`send` waits only while N values are buffered; `receive` waits while empty",
      buffering: "a ring of N slots (default 16)",
      ordering: "FIFO",
      delivery: "exactly-once inside the process",
      durability: "none: process memory",
      boundaries: "one value per message (passed by reference, not copied)",
      scope: "asynchronous tasks of one process",
      limits: "memory; no size limit",
    },
    demoSources: ["packages/channels/src/demo-channels-buffered.ts#demoBuffered"],
  },
  "channels-unbuffered": {
    semantics: {
      blocking: "`send` waits until a receiver takes the value (rendezvous)",
      buffering: "none (capacity 0)",
      ordering: "FIFO among waiting senders",
      delivery: "exactly-once inside the process; a resolved send means the value was taken",
      durability: "none: process memory",
      boundaries: "one value per message (passed by reference)",
      scope: "asynchronous tasks of one process",
      limits: "memory; no size limit",
    },
    demoSources: ["packages/channels/src/demo-channels-unbuffered.ts#demoUnbuffered"],
  },
  "pipes-named": {
    semantics: {
      blocking:
        "opening for writing waits for a reader; a write waits while the kernel's pipe buffer is full",
      buffering: "the kernel pipe buffer (64 KiB by default, up to /proc/sys/fs/pipe-max-size)",
      ordering:
        "byte order; a write of at most PIPE_BUF (4096) bytes never interleaves with another writer's",
      delivery: "at-most-once: bytes in the pipe are lost when the reader dies; the writer then gets EPIPE",
      durability: "none: the FIFO's name stays in the file system, its data does not",
      boundaries: "a byte stream; messages are framed",
      scope: "processes on one host that can open the path",
      limits: "file permissions (0600); frames up to 16 MiB",
    },
    demoSources: [
      "packages/pipes/src/demo-pipes-named.ts#demo",
      "packages/pipes/examples/01-named-pipe-writer.ts",
      "packages/pipes/examples/02-named-pipe-reader.ts",
    ],
  },
  "shared-memory-posix": {
    semantics: {
      blocking:
        "`send` waits only while the ring is full, the consumer only while it is empty; a side waits by polling its doorbell FIFO on the event loop (uv_poll), never blocking it",
      buffering:
        "a ring of 1 MiB by default in the shared-memory object (a power of two; records padded to 8 bytes)",
      ordering: "FIFO",
      delivery:
        "at-most-once across a crash: records not yet read die with the ring's owner; a side that dies is a PeerGoneError for the other within a second",
      durability: "in /dev/shm (memory) until unlinked: Endpoint.close(), or the owner's exit or signal",
      boundaries: "kept: a 4-byte length before every record",
      scope: "processes of one user on one host (the object is 0600 and must be the user's own)",
      limits: "a record of at most half the ring; one producer and one consumer per ring; Linux only",
    },
    demoSources: [
      "packages/shared-memory/src/demo-shared-memory-posix.ts",
      "packages/shared-memory/examples/03-posix-consumer.ts",
      "packages/shared-memory/examples/04-posix-producer.ts",
    ],
  },
  "message-queues": {
    semantics: {
      blocking:
        "`send` waits while the queue is full, `receive` while it is empty (or `trySend`/`tryReceive`, or a timeout)",
      buffering: "the kernel keeps up to maxMessages (msg_max, 10 by default) messages",
      ordering: "highest priority first, FIFO within a priority",
      delivery:
        "at-most-once: a receive removes the message, so a consumer that dies after it loses that message",
      durability: "in the kernel until unlinked or reboot: outlives every process that used it",
      boundaries: "kept: one send is one receive",
      scope: "processes on one host",
      limits: "/proc/sys/fs/mqueue: msg_max 10, msgsize_max 8192, queues_max 256 (defaults)",
    },
    demoSources: [
      "packages/message-queue/src/demo.ts",
      "packages/message-queue/examples/01-producer.ts",
      "packages/message-queue/examples/02-consumer.ts",
    ],
  },
  "pub-sub-nats-os": {
    semantics: {
      blocking: "publish does not wait for subscribers; the producer flushes to bound what it buffers",
      buffering:
        "client write buffers and the server's per-subscriber pending limit (a slow consumer is cut off)",
      ordering: "per publisher, on one connection",
      delivery: "at-most-once: a message nobody subscribes to is gone",
      durability: "none: the server keeps nothing",
      boundaries: "kept",
      scope: "processes reaching one nats-server",
      limits: "max_payload (1 MiB by default)",
      access:
        "anyone with the address's token, which the server requires (0600 config file, not argv); servers from NATS_URL: whoever their own credentials admit",
    },
    demoSources: ["packages/nats/src/demo-os.ts", "packages/nats/examples/subscriber.ts"],
  },
  tcp: {
    semantics: {
      blocking: "`send` waits for `'drain'` while the socket buffers are full",
      buffering: "kernel send and receive buffers (hundreds of KiB on loopback)",
      ordering: "byte order of the connection",
      delivery: "at-most-once: bytes in flight are lost if a side dies; the other side sees the reset",
      durability: "none",
      boundaries: "a byte stream; messages are framed",
      scope: "processes on one host, over loopback",
      limits: "frames up to 16 MiB; a bad length drops the connection",
      access:
        "anyone with the address's token (made by `open()`; the address stays out of argv and logs); `insecure: true` lets anyone on this host",
    },
    demoSources: [
      "packages/tcp/src/demo.ts",
      "packages/tcp/examples/01-consumer.ts",
      "packages/tcp/examples/02-producer.ts",
    ],
  },
  "grpc-os": {
    semantics: {
      blocking: "a unary `Send` waits for the reply, sent once the consumer took the message",
      buffering: "HTTP/2 flow-control windows",
      ordering: "in call order (one call at a time per producer)",
      delivery:
        "confirmed: a resolved send was taken; a failed call is an error the caller sees (retrying makes it at-least-once)",
      durability: "none",
      boundaries: "kept: one protobuf message per call",
      scope: "processes on one host, over a Unix domain socket",
      limits: "4 MiB per message by default (RESOURCE_EXHAUSTED above); a deadline on every call",
      access: "owner only: the socket sits in a 0700 directory",
    },
    demoSources: [
      "packages/grpc/src/grpc-variant.ts#runGrpcDemo",
      "packages/grpc/examples/01-server.ts",
      "packages/grpc/examples/02-client.ts",
    ],
  },
  "pub-sub-nats-network": {
    semantics: {
      blocking: "publish does not wait for subscribers; the producer flushes to bound what it buffers",
      buffering: "client buffers, route buffers between servers, each server's per-subscriber pending limit",
      ordering: "per publisher, along one route path",
      delivery: "at-most-once: a message nobody subscribes to, or sent while a route is down, is gone",
      durability: "none",
      boundaries: "kept",
      scope: "processes on any hosts that reach the cluster",
      limits: "max_payload (1 MiB by default)",
      access:
        "anyone with the address's token, which every node requires (routes have a password of their own); servers from NATS_URL: whoever their own credentials admit",
    },
    demoSources: ["packages/nats/src/demo-network.ts", "packages/nats/examples/subscriber.ts"],
  },
  "tcp-ip": {
    semantics: {
      blocking: "`send` waits for `'drain'` while the socket buffers are full",
      buffering: "kernel socket buffers at both ends and the network in between",
      ordering: "byte order of the connection",
      delivery: "at-most-once: bytes in flight are lost if a side or the path dies",
      durability: "none",
      boundaries: "a byte stream; messages are framed",
      scope: "processes on any hosts, addressed by host and port",
      limits: "frames up to 16 MiB; a bad length drops the connection",
      access:
        "anyone with the address's token (made by `open()`; the address stays out of argv and logs); beyond loopback only with TLS, or anyone on the network with `insecure: true`",
    },
    demoSources: [
      "packages/tcp/src/tcp-ip.ts#demoTcpIp",
      "packages/tcp/examples/01-consumer.ts",
      "packages/tcp/examples/02-producer.ts",
    ],
  },
  "grpc-network": {
    semantics: {
      blocking: "a unary `Send` waits for the reply, sent once the consumer took the message",
      buffering: "HTTP/2 flow-control windows and the network",
      ordering: "in call order (one call at a time per producer)",
      delivery:
        "confirmed: a resolved send was taken; a failed call is an error the caller sees (retrying makes it at-least-once)",
      durability: "none",
      boundaries: "kept: one protobuf message per call",
      scope: "processes on any hosts, addressed by host and port",
      limits: "4 MiB per message by default (RESOURCE_EXHAUSTED above); a deadline on every call",
      access:
        "anyone with the address's token (made by `open()`; the address stays out of argv and logs), as `authorization: Bearer` metadata; beyond loopback only with TLS, or anyone on the network with `insecure: true`",
    },
    demoSources: [
      "packages/grpc/src/grpc-variant.ts#runGrpcDemo",
      "packages/grpc/examples/01-server.ts",
      "packages/grpc/examples/02-client.ts",
    ],
  },
  rest: {
    semantics: {
      blocking: "each POST waits for the 2xx, sent once the consumer took the message",
      buffering: "none beyond the request in flight (keep-alive connections are reused)",
      ordering: "in call order (one request at a time per producer)",
      delivery:
        "confirmed by the 2xx; a lost reply makes a retry ambiguous (at-least-once without an idempotency key)",
      durability: "none",
      boundaries: "kept: one request body per message",
      scope: "processes on any hosts, addressed by URL",
      limits: "a body limit (413 above it), header and request timeouts",
      access:
        "anyone with the address's token (made by `open()`; the address stays out of argv and logs), as `Authorization: Bearer`; beyond loopback only with HTTPS, or anyone on the network with `insecure: true`",
    },
    demoSources: [
      "packages/rest/src/rest.ts#demo",
      "packages/rest/examples/01-consumer.ts",
      "packages/rest/examples/02-producer.ts",
    ],
  },
};
