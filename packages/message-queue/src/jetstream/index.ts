/**
 * @ipc-atlas/message-queue/jetstream — the message queue past one host: the same
 * Producer/Consumer over a NATS JetStream work-queue stream — durable, at-least-once, sends
 * pipelined in call order, and on a three-node cluster it survives the loss of a node. A
 * subpath of its own so that the POSIX queue (the main entry) loads no NATS code, and a user
 * who needs only that installs no NATS client: the NATS packages are optional peer
 * dependencies, needed only by whoever imports this subpath.
 *
 * @module @ipc-atlas/message-queue/jetstream
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { messageQueuesJetStream } from "./message-queues-jetstream.ts";

export { addressEnv, addressFromEnv, type JetStreamAddress, JetStreamQueueError } from "./connection.ts";
export { JetStreamConsumer, type JetStreamConsumerOptions, type JetStreamDelivery } from "./consumer.ts";
export {
  JetStreamProducer,
  type JetStreamProducerOptions,
  type JetStreamProducerStats,
  type SendReceipt,
} from "./publisher.ts";
export { JetStreamQueue, type JetStreamQueueInfo, type JetStreamQueueOptions } from "./queue.ts";
export { messageQueuesJetStream };

export const variants: AnyVariant[] = [messageQueuesJetStream];
