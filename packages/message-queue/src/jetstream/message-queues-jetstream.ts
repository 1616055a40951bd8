/**
 * The `message-queues-jetstream` variant: the message queue past one host, a NATS JetStream
 * work-queue stream with explicit acks behind the same Producer/Consumer interface as the
 * POSIX queue.
 */

import { type OpenOptions, taxonomy, type Variant } from "@ipc-atlas/core";
import type { JetStreamAddress } from "./connection.ts";
import { JetStreamConsumer } from "./consumer.ts";
import { demo } from "./demo.ts";
import { JetStreamProducer } from "./publisher.ts";
import { JetStreamQueue } from "./queue.ts";

export const messageQueuesJetStream: Variant<JetStreamAddress> = {
  id: "message-queues-jetstream",
  taxonomy: {
    ...taxonomy["message-queues"],
    scope: "inter-process, network",
    medium: "a NATS JetStream work-queue stream with explicit acks",
  },
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
};
