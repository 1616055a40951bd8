/**
 * The `message-queues` variant: producer and consumer in separate OS processes talk through a
 * POSIX message queue that lives in the kernel. The queue keeps message boundaries, holds up
 * to `capacity` messages while nobody receives (a send waits when it is full), and outlives
 * both processes until it is unlinked. A queue has no "end of stream" of its own, so
 * Producer.close() sends core's in-band END marker (one byte in front of every message, see
 * core's envelope.ts) and the consumer's iteration ends when it arrives.
 *
 * The address is the queue's name (JSON); Endpoint.close() unlinks it.
 */

import { randomBytes } from "node:crypto";
import {
  atExit,
  ClosedError,
  type Consumer,
  END_MARKER,
  ENVELOPE_BYTES,
  MessageTooLargeError,
  type Producer,
  taxonomy,
  unwrap,
  type Variant,
  wrapData,
} from "@ipc-atlas/core";
import { runDemo } from "./demo.ts";
import { DONE, MessageQueue, type ReceivedMessage } from "./message-queue.ts";

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

async function queueProducer(address: MessageQueueAddress): Promise<Producer> {
  const queue = await MessageQueue.open(address.name, { access: "write" });
  const limit = queue.messageSize - ENVELOPE_BYTES;
  let closed = false;
  return {
    async send(message) {
      if (closed) throw new ClosedError("message-queues producer");
      if (message.byteLength > limit) {
        throw new MessageTooLargeError(message.byteLength, limit, `message queue ${address.name}`);
      }
      await queue.send(wrapData(message));
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        // Waits like any send while the queue is full: the marker must follow the last message.
        await queue.send(END_MARKER);
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
      // A hand-written iterator over the queue's own (an async generator here cost a third of
      // the variant's time per message in the harness benchmark).
      const messages = queue[Symbol.asyncIterator]();
      let ended = false;
      const end = (): IteratorResult<Uint8Array> => {
        ended = true;
        queue.close();
        return DONE;
      };
      const step = (result: IteratorResult<ReceivedMessage>): IteratorResult<Uint8Array> => {
        if (result.done) return end();
        const envelope = unwrap(result.value.data);
        return envelope.kind === "end" ? end() : { done: false, value: envelope.data };
      };
      return {
        next: () => (ended ? Promise.resolve(DONE) : messages.next().then(step)),
        return: () => Promise.resolve(ended ? DONE : end()),
      };
    },
    async close() {
      queue.close();
    },
  };
}

export const messageQueues: Variant<MessageQueueAddress> = {
  id: "message-queues",
  taxonomy: taxonomy["message-queues"],
  summary:
    "A POSIX message queue in the kernel (mq_open/mq_send/mq_receive through a native addon): messages wait " +
    "there, highest priority first, until a consumer takes them, even before it starts.",
  module: import.meta.url,
  async open(options = {}) {
    const maxMessages = options.capacity ?? DEFAULT_CAPACITY;
    const messageSize =
      options.maxMessageSize === undefined ? DEFAULT_MESSAGE_SIZE : options.maxMessageSize + ENVELOPE_BYTES;
    const name = uniqueQueueName();
    const queue = await MessageQueue.open(name, { exclusive: true, mode: 0o600, maxMessages, messageSize });
    const maxMessageSize = queue.messageSize - ENVELOPE_BYTES;
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
};
