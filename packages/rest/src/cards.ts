/**
 * The catalogue cards of this package's variants: what the harness lists, explains, documents
 * and benchmarks about each, declared once here. A card says how the variant behaves (the
 * semantics rows of its page and of the comparison), which C ceiling the benchmark compares it
 * with, and which code its catalogue page shows (paths from this package's folder; `file#name`
 * for just the function `name`).
 */

import type { VariantCard } from "@ipc-atlas/core";

export const restCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "1 MiB",
  // Each message is its own request: between requests there is no producer to lose.
  producerDeath: "waits",
  ceiling: "tcp",
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
  demoSources: ["src/demo.ts", "examples/01-consumer.ts", "examples/02-producer.ts"],
};
