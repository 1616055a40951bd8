/**
 * The catalogue cards of this package's variants: what the harness lists, explains, documents
 * and benchmarks about each, declared once here. A card says how the variant behaves (the
 * semantics rows of its page and of the comparison), which C ceiling the benchmark compares it
 * with, and which code its catalogue page shows (paths from this package's folder; `file#name`
 * for just the function `name`).
 */

import type { VariantCard } from "@ipc-atlas/core";

export const tcpCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "1 MiB",
  // The consumer serves every producer that connects: one that dies without close() is
  // dropped (its stream incomplete) and the consumer goes on waiting for the others.
  producerDeath: "waits",
  ceiling: "tcp",
  semantics: {
    blocking: "`send` waits for `'drain'` while the socket buffers are full",
    buffering:
      "kernel send and receive buffers, grown by the kernel with the traffic: in the demo about 5 MiB (4.9 to 6.1 over runs) went out over loopback before a send waited",
    ordering: "byte order of the connection",
    delivery: "at-most-once: bytes in flight are lost if a side dies; the other side sees the reset",
    durability: "none",
    boundaries: "a byte stream; messages are framed",
    scope: "processes on one host, over loopback",
    limits:
      "messages up to 1 MiB by default (`maxMessageSize` at open()); a frame announcing more drops the connection",
    access:
      "anyone with the address's token (made by `open()`; the address stays out of argv and logs); `insecure: true` lets anyone on this host",
  },
  demoSources: ["src/demo.ts", "examples/01-consumer.ts", "examples/02-producer.ts"],
};

export const tcpIpCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "1 MiB",
  // The consumer serves every producer that connects: one that dies without close() is
  // dropped (its stream incomplete) and the consumer goes on waiting for the others.
  producerDeath: "waits",
  ceiling: "tcp",
  semantics: {
    blocking: "`send` waits for `'drain'` while the socket buffers are full",
    buffering: "kernel socket buffers at both ends and the network in between",
    ordering: "byte order of the connection",
    delivery: "at-most-once: bytes in flight are lost if a side or the path dies",
    durability: "none",
    boundaries: "a byte stream; messages are framed",
    scope: "processes on any hosts, addressed by host and port",
    limits:
      "messages up to 1 MiB by default (`maxMessageSize` at open()); a frame announcing more drops the connection",
    access:
      "anyone with the address's token (made by `open()`; the address stays out of argv and logs); beyond loopback only with TLS, or anyone on the network with `insecure: true`",
  },
  demoSources: ["src/demo-tcp-ip.ts#demoTcpIp", "examples/01-consumer.ts", "examples/02-producer.ts"],
};
