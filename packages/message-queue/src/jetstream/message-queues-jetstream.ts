/**
 * The `message-queues-jetstream` variant: the message queue past one host, a NATS JetStream
 * work-queue stream with explicit acks behind the same Producer/Consumer interface as the
 * POSIX queue.
 */

import { defineVariant, type OpenOptions, type Variant } from "@ipc-atlas/core";
import { messageQueuesJetStreamCard } from "../cards.ts";
import type { JetStreamAddress } from "./connection.ts";
import { JetStreamConsumer } from "./consumer.ts";
import { demo } from "./demo.ts";
import { JetStreamProducer } from "./publisher.ts";
import { JetStreamQueue } from "./queue.ts";

// Declared through defineVariant: its consumers keep core's Consumer contract (break is close()).
export const messageQueuesJetStream: Variant<JetStreamAddress> = defineVariant<Variant<JetStreamAddress>>({
  id: "message-queues-jetstream",
  // Beyond the source taxonomy: the queue's idea (message passing, asynchronous) across hosts.
  taxonomy: {
    scope: "inter-process, network",
    model: "message passing",
    timing: "asynchronous",
    medium: "a NATS JetStream work-queue stream with explicit acks",
  },
  card: messageQueuesJetStreamCard,
  summary:
    "The message queue past one host: a NATS JetStream work-queue stream with explicit acks — at-least-once, survives a consumer's kill -9.",
  module: import.meta.url,
  open: (options?: OpenOptions) =>
    JetStreamQueue.open({
      ...(options?.capacity ? { capacity: options.capacity } : {}),
      ...(options?.maxMessageSize ? { maxMessageSize: options.maxMessageSize } : {}),
    }),
  producer: (address) => JetStreamProducer.connect(address),
  consumer: (address) => JetStreamConsumer.connect(address),
  demo,
});
