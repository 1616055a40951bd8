/**
 * @ipc-atlas/message-queue — POSIX message queues for Node.js, driven by the event loop
 * (a native addon over mq_open/mq_send/mq_receive, waiting with libuv's uv_poll_t), and the
 * `message-queues` variant of ipc-atlas on top of them. The JetStream backend is the separate
 * export `@ipc-atlas/message-queue/jetstream`, so that this entry loads no NATS code.
 *
 * @module @ipc-atlas/message-queue
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { messageQueues } from "./message-queues.ts";

export {
  AddonNotBuiltError,
  InvalidOptionError,
  InvalidQueueNameError,
  MessageQueueError,
  QueueAttributesError,
  QueueExistsError,
  QueueLimitError,
  QueueNotFoundError,
  QueuePermissionError,
  UnsupportedPlatformError,
} from "./errors.ts";
export { MQ_PRIO_MAX, NAME_MAX, type SystemLimits, systemLimits } from "./limits.ts";
export {
  DEFAULT_CAPACITY,
  DEFAULT_MESSAGE_SIZE,
  type MessageQueueAddress,
  messageQueues,
  uniqueQueueName,
} from "./message-queues.ts";
export {
  type MessageQueueOpenOptions,
  type QueueAccess,
  type QueueAttributes,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendOptions,
  validateQueueName,
} from "./options.ts";
export { MessageQueue } from "./posix-queue.ts";

export const variants: AnyVariant[] = [messageQueues];
