/**
 * The catalogue cards of this package's variants: what the harness lists, explains, documents
 * and benchmarks about each, declared once here. A card says how the variant behaves (the
 * semantics rows of its page and of the comparison), which C ceiling the benchmark compares it
 * with, and which code its catalogue page shows (paths from this package's folder; `file#name`
 * for just the function `name`).
 */

import type { VariantCard } from "@ipc-atlas/core";

export const messageQueuesCard: VariantCard = {
  survives: "a process crash",
  consumers: "compete",
  maxMessage: "8 KiB",
  producerDeath: "waits",
  flagship: true,
  ceiling: "posix-mq",
  semantics: {
    blocking:
      "`send` waits while the queue is full, `receive` while it is empty (or `trySend`/`tryReceive`, or a timeout)",
    buffering: "the kernel keeps maxMessages × messageSize, fixed at creation (10 × 8192 bytes by default)",
    ordering: "highest priority first, FIFO within a priority",
    delivery:
      "at-most-once: a receive removes the message, so a consumer that dies after it loses that message",
    durability: "in the kernel until unlinked or reboot: outlives every process that used it",
    boundaries: "kept: one send is one receive",
    scope: "processes on one host",
    limits: "/proc/sys/fs/mqueue: msg_max 10, msgsize_max 8192, queues_max 256 (defaults)",
    access:
      "processes of the users the queue's mode admits (0600 by default: its owner), checked at `mq_open`",
  },
  demoSources: ["src/demo.ts", "examples/01-producer.ts", "examples/02-consumer.ts"],
};
export const messageQueuesJetStreamCard: VariantCard = {
  survives: "a server restart",
  consumers: "compete",
  maxMessage: "~1 MiB",
  producerDeath: "waits",
  // Past one host, the queue is a server's stream: its ceiling is the TCP underneath.
  ceiling: "tcp",
  semantics: {
    blocking:
      "`send` waits for the stream's publish ack, and while the stream holds `capacity` unacked messages; the consumer waits for the next fetch",
    buffering:
      "the stream on the server (file storage), up to `capacity` messages; each consumer's client fetches up to `prefetch` (64) ahead, delivered to it but unacked",
    ordering:
      "stream order while no consumer dies; a dead consumer's unacked messages come again once ack_wait runs out, after newer ones",
    delivery:
      "at-least-once: what a consumer held unacked when it died is redelivered (the iterator acks a message when the next is asked for); `Nats-Msg-Id` dedups a resend",
    durability: "on the server's disk, replicated on a 3-node cluster: survives the loss of one node",
    boundaries: "kept",
    scope: "processes on any hosts that reach the NATS servers",
    limits: "max_payload (1 MiB by default); `capacity` messages in the stream",
    access:
      "anyone with the address's token, which the servers this package starts require; servers from NATS_URL: whoever their own credentials admit",
  },
  demoSources: [
    "src/jetstream/demo.ts",
    "examples/03-jetstream-producer.ts",
    "examples/04-jetstream-consumer.ts",
  ],
};
