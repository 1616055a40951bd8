/**
 * @ipc-atlas/message-queue/jetstream — the message queue past one host: the same
 * Producer/Consumer over a NATS JetStream work-queue stream, at-least-once and durable. A
 * subpath of its own so that the POSIX queue (the main entry) loads no NATS code, and a user
 * who needs only that installs no NATS client: the NATS packages are optional peer
 * dependencies, needed only by whoever imports this subpath.
 *
 * @module @ipc-atlas/message-queue/jetstream
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { messageQueuesJetStream } from "../jetstream.ts";

export {
  type JetStreamAddress,
  JetStreamConsumer,
  type JetStreamConsumerOptions,
  type JetStreamDelivery,
  JetStreamProducer,
  type JetStreamProducerOptions,
  JetStreamQueue,
  JetStreamQueueError,
  type JetStreamQueueInfo,
  type JetStreamQueueOptions,
  messageQueuesJetStream,
  type SendReceipt,
} from "../jetstream.ts";

export const variants: AnyVariant[] = [messageQueuesJetStream];
