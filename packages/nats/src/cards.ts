/**
 * The catalogue cards of this package's variants: what the harness lists, explains, documents
 * and benchmarks about each, declared once here. A card says how the variant behaves (the
 * semantics rows of its page and of the comparison), which C ceiling the benchmark compares it
 * with, and which code its catalogue page shows (paths from this package's folder; `file#name`
 * for just the function `name`).
 */

import type { VariantCard } from "@ipc-atlas/core";

export const pubSubNatsOsCard: VariantCard = {
  survives: "no",
  consumers: "each a copy",
  maxMessage: "~1 MiB",
  producerDeath: "waits",
  ceiling: "tcp",
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
  demoSources: ["src/demo-pub-sub-nats-os.ts", "examples/01-subscriber.ts", "examples/02-publisher.ts"],
};

export const pubSubNatsNetworkCard: VariantCard = {
  survives: "no",
  consumers: "each a copy",
  maxMessage: "~1 MiB",
  producerDeath: "waits",
  ceiling: "tcp",
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
  demoSources: ["src/demo-pub-sub-nats-network.ts", "examples/01-subscriber.ts", "examples/02-publisher.ts"],
};
