/**
 * The JetStream backend of @ipc-atlas/message-queue: the same Producer/Consumer past one host,
 * on a NATS JetStream work-queue stream — durable, at-least-once, sends pipelined in call order,
 * and on a three-node cluster it survives the loss of a node.
 */

export { type JetStreamAddress, JetStreamQueueError } from "./connection.ts";
export { JetStreamConsumer, type JetStreamConsumerOptions, type JetStreamDelivery } from "./consumer.ts";
export {
  JetStreamProducer,
  type JetStreamProducerOptions,
  type JetStreamProducerStats,
  type SendReceipt,
} from "./publisher.ts";
export { JetStreamQueue, type JetStreamQueueInfo, type JetStreamQueueOptions } from "./queue.ts";
export { messageQueuesJetStream } from "./variant.ts";
