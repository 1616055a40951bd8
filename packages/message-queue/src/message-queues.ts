/**
 * The `message-queues` variant: producer and consumer in separate OS processes talk through a
 * POSIX message queue that lives in the kernel. The queue keeps message boundaries, holds up
 * to `capacity` messages while nobody receives (a send waits when it is full), and outlives
 * both processes until it is unlinked. A queue has no "end of stream" of its own, so the
 * variant marks it with the queue's own fields instead of a header in every message: data goes
 * at priority 1, and Producer.close() sends an empty message at priority 0, the END marker.
 * The kernel hands out higher priorities first, so END comes after every message sent before
 * it, and no message is copied to carry a tag.
 *
 * The address is the queue's name (JSON); Endpoint.close() unlinks it.
 */

import { randomBytes } from "node:crypto";
import {
  atExit,
  ClosedError,
  type Consumer,
  defineVariant,
  MessageTooLargeError,
  type Producer,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { messageQueuesCard } from "./cards.ts";
import { runDemo } from "./demo.ts";
import type { ReceivedMessage } from "./options.ts";
import { MessageQueue } from "./posix-queue.ts";
import { DONE } from "./wait-list.ts";

export interface MessageQueueAddress {
  /** The queue's name, like "/ipc-atlas-4242-9f1c2b3a". */
  name: string;
}

/** The system default queue depth (/proc/sys/fs/mqueue/msg_default and msg_max are 10). */
export const DEFAULT_CAPACITY = 10;
/** The system default message size (/proc/sys/fs/mqueue/msgsize_default). */
export const DEFAULT_MESSAGE_SIZE = 8192;

/** A fresh name per open: pid + random, so parallel runs never share a queue. */
export function uniqueQueueName(prefix = "ipc-atlas"): string {
  return `/${prefix}-${process.pid}-${randomBytes(6).toString("hex")}`;
}

/** Data messages' priority; the END marker goes at 0, below it (see the top of this file). */
const DATA = Object.freeze({ priority: 1 });
const END = Object.freeze({ priority: 0 });
const END_MARKER = new Uint8Array(0);

const isEnd = (message: ReceivedMessage) => message.priority === 0 && message.data.byteLength === 0;

async function queueProducer(address: MessageQueueAddress): Promise<Producer> {
  const queue = await MessageQueue.open(address.name, { access: "write" });
  const limit = queue.messageSize;
  let closed = false;
  return {
    // Not an async function: the queue's own promise goes back as it is (one settled promise
    // for every message the kernel took at once), with no second promise per message.
    send(message) {
      if (closed) return Promise.reject(new ClosedError("message-queues producer"));
      if (message.byteLength > limit) {
        return Promise.reject(
          new MessageTooLargeError(message.byteLength, limit, `message queue ${address.name}`),
        );
      }
      return queue.send(message, DATA);
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        // Waits like any send while the queue is full: the marker must follow the last message.
        await queue.send(END_MARKER, END);
      } finally {
        queue.close();
      }
    },
  };
}

async function queueConsumer(address: MessageQueueAddress): Promise<Consumer> {
  // Open succeeds only once the queue is there; after that the consumer is ready.
  const queue = await MessageQueue.open(address.name, { access: "read" });
  return {
    [Symbol.asyncIterator]() {
      // One message per step, never more: what the kernel hands over is gone (at-most-once).
      // A message already waiting is taken at once (tryReceive: one native call, no second
      // promise); only an empty queue goes through the queue's own waiting iterator.
      const messages = queue[Symbol.asyncIterator]();
      let ended = false;
      const end = (): IteratorResult<Uint8Array> => {
        ended = true;
        queue.close();
        return DONE;
      };
      const step = (result: IteratorResult<ReceivedMessage>): IteratorResult<Uint8Array> =>
        result.done || isEnd(result.value) ? end() : { done: false, value: result.value.data };
      return {
        next: () => {
          if (ended) return Promise.resolve(DONE);
          let waiting: ReceivedMessage | undefined;
          try {
            waiting = queue.tryReceive();
          } catch (error) {
            // consumer.close() closed the handle: the iteration ends, as the queue's own does.
            if (error instanceof ClosedError) return Promise.resolve(end());
            return Promise.reject(error);
          }
          if (waiting === undefined) return messages.next().then(step);
          return Promise.resolve(isEnd(waiting) ? end() : { done: false, value: waiting.data });
        },
        return: () => Promise.resolve(ended ? DONE : end()),
      };
    },
    async close() {
      queue.close();
    },
  };
}

// Declared through defineVariant: its consumers keep core's Consumer contract.
export const messageQueues: Variant<MessageQueueAddress> = defineVariant<Variant<MessageQueueAddress>>({
  id: "message-queues",
  taxonomy: { ...taxonomy["message-queues"], medium: "a POSIX message queue (mq_open/mq_send/mq_receive)" },
  card: messageQueuesCard,
  summary:
    "A POSIX message queue in the kernel (mq_open/mq_send/mq_receive through a native addon): messages wait " +
    "there, highest priority first, until a consumer takes them, even before it starts.",
  module: import.meta.url,
  async open(options = {}) {
    const maxMessages = options.capacity ?? DEFAULT_CAPACITY;
    const messageSize =
      options.maxMessageSize === undefined ? DEFAULT_MESSAGE_SIZE : Math.max(1, options.maxMessageSize);
    const name = uniqueQueueName();
    const queue = await MessageQueue.open(name, { exclusive: true, mode: 0o600, maxMessages, messageSize });
    const maxMessageSize = queue.messageSize;
    // The queue lives in the kernel; this process needs no descriptor to keep it.
    queue.close();
    let removed = false;
    // Removed at exit too, SIGINT/SIGTERM included, like FIFO directories: a queue outlives processes.
    atExit(() => {
      if (!removed) MessageQueue.unlinkSync(name);
    });
    return {
      address: { name },
      maxMessageSize,
      async close() {
        if (removed) return;
        removed = true;
        await MessageQueue.unlink(name);
      },
    };
  },
  producer: queueProducer,
  consumer: queueConsumer,
  demo: runDemo,
});
