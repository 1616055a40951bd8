/**
 * Producer and Consumer over a message port — the parent↔child IPC channel of
 * `child_process` or a worker's MessagePort — so the baselines run the very same workload
 * loops as the variants. Data travels as Uint8Array; anything else on the port is a control
 * message (the end marker, acknowledgements, the peer's report).
 */

import { ClosedError, type Consumer, type Producer } from "@ipc-atlas/core";

export const END = { end: true } as const;

/** Control messages that are neither data nor the end marker go to `onControl`. */
export type ControlHandler = (message: unknown) => void;

export interface PortProducerOptions {
  /** Posts one value; resolves when the port has accepted it. */
  post(value: unknown): Promise<void>;
}

export function portProducer(options: PortProducerOptions): Producer {
  let closed = false;
  return {
    async send(message) {
      if (closed) throw new ClosedError("producer");
      await options.post(message);
    },
    async close() {
      if (closed) return;
      closed = true;
      await options.post(END);
    },
  };
}

export interface PortConsumer extends Consumer {
  /** Feed every message that arrives on the port here. */
  deliver(message: unknown): void;
}

export function portConsumer(onControl: ControlHandler, onTaken?: () => void): PortConsumer {
  const queue: Uint8Array[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  return {
    deliver(message) {
      if (message instanceof Uint8Array) queue.push(message);
      else if (typeof message === "object" && message !== null && "end" in message) ended = true;
      else return onControl(message);
      wake?.();
      wake = undefined;
    },
    async close() {
      ended = true;
      queue.length = 0;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      let head = 0;
      for (;;) {
        if (head < queue.length) {
          const message = queue[head++]!;
          // Compact now and then instead of shift() on every message (shift is O(n)).
          if (head > 1024) {
            queue.splice(0, head);
            head = 0;
          }
          onTaken?.();
          yield message;
        } else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/**
 * Both directions of one port: a producer, a consumer, and the function to feed arriving
 * messages into. With `window`, the producer keeps at most that many messages unacknowledged
 * and the consumer acknowledges every quarter window: the flow control a port without
 * backpressure of its own (a worker's postMessage) needs so that a fast producer cannot queue
 * gigabytes.
 */
export interface PortLink {
  producer: Producer;
  consumer: PortConsumer;
  deliver(message: unknown): void;
}

export function portLink(
  post: (value: unknown) => Promise<void> | void,
  window: number | null,
  onControl: ControlHandler,
): PortLink {
  let outstanding = 0;
  // Sends waiting for credit, first come first served: a later send never overtakes them.
  const waiting: Array<() => void> = [];
  const release = () => {
    while (waiting.length > 0 && outstanding < window!) {
      outstanding++;
      waiting.shift()!();
    }
  };
  const ackEvery = window === null ? 0 : Math.max(1, Math.floor(window / 4));
  let taken = 0;
  const consumer = portConsumer(onControl, () => {
    if (ackEvery === 0) return;
    if (++taken === ackEvery) {
      taken = 0;
      void post({ ack: ackEvery });
    }
  });
  const producer = portProducer({
    async post(value) {
      if (window !== null && value instanceof Uint8Array) {
        if (waiting.length === 0 && outstanding < window) outstanding++;
        else await new Promise<void>((resolve) => waiting.push(resolve));
      }
      await post(value);
    },
  });
  return {
    producer,
    consumer,
    deliver(message) {
      if (typeof message === "object" && message !== null && "ack" in message) {
        outstanding -= (message as { ack: number }).ack;
        release();
      } else consumer.deliver(message);
    },
  };
}
