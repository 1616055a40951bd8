/**
 * The Producer/Consumer interface over a Channel, shared by both channel variants. In-process
 * variants need no serialisable address: the address is the Channel itself.
 */

import { ClosedError, type Consumer, type Endpoint, type Producer } from "@ipc-atlas/core";
import { Channel } from "./channel.ts";

/** Opens a channel of `capacity` messages as a Producer/Consumer medium. */
export function openChannelEndpoint(capacity: number): Endpoint<Channel<Uint8Array>> {
  const channel = new Channel<Uint8Array>(capacity);
  return {
    address: channel,
    // Messages pass by reference; only memory limits their size.
    maxMessageSize: null,
    async close() {
      channel.close();
    },
  };
}

/**
 * A producer sends into the channel; close() ends the stream once every send it started has
 * completed, so un-awaited sends are delivered before the end (Go's `close` would make them
 * panic).
 */
export function channelProducer(channel: Channel<Uint8Array>): Producer {
  let closed = false;
  // Sends complete in call order (the channel queues senders FIFO), so the last one is enough.
  let last: Promise<unknown> = Promise.resolve();
  return {
    send(message) {
      if (closed) return Promise.reject(new ClosedError("the channel producer"));
      const sending = channel.send(message);
      last = sending.catch(() => {});
      return sending;
    },
    async close() {
      if (closed) return;
      closed = true;
      await last;
      channel.close();
    },
  };
}

/** A consumer iterates the channel; its close() ends a pending iteration, leaving buffered values. */
export function channelConsumer(channel: Channel<Uint8Array>): Consumer {
  const stop = new AbortController();
  const done: IteratorResult<Uint8Array> = { done: true, value: undefined };
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    if (stop.signal.aborted) return done;
    // Fast path without an abort listener: a value (or the end) is already there.
    let result = channel.tryReceive();
    if (!result) {
      try {
        result = await channel.receive({ signal: stop.signal });
      } catch (error) {
        if (stop.signal.aborted) return done;
        throw error;
      }
    }
    return result.ok ? { done: false, value: result.value } : done;
  };
  return {
    [Symbol.asyncIterator]: () => ({ next, return: async () => done }),
    async close() {
      stop.abort();
    },
  };
}
