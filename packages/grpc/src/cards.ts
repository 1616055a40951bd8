/**
 * The catalogue cards of this package's variants: what the harness lists, explains, documents
 * and benchmarks about each, declared once here. A card says how the variant behaves (the
 * semantics rows of its page and of the comparison), which C ceiling the benchmark compares it
 * with, and which code its catalogue page shows (paths from this package's folder; `file#name`
 * for just the function `name`).
 */

import type { VariantCard } from "@ipc-atlas/core";

export const grpcOsCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "~4 MiB",
  // The consumer is a gRPC server: it serves whoever calls, so a producer that dies between calls
  // leaves nothing to notice (its call in flight is cancelled, and its message withdrawn); the
  // next producer continues the stream.
  producerDeath: "waits",
  ceiling: "unix-socket",
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
  demoSources: ["src/demo.ts", "examples/01-server.ts", "examples/02-client.ts"],
};

export const grpcNetworkCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "~4 MiB",
  // The consumer is a gRPC server: it serves whoever calls, so a producer that dies between calls
  // leaves nothing to notice (its call in flight is cancelled, and its message withdrawn); the
  // next producer continues the stream.
  producerDeath: "waits",
  ceiling: "tcp",
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
  demoSources: ["src/demo.ts", "examples/01-server.ts", "examples/02-client.ts"],
};
