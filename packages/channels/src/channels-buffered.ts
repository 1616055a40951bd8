/**
 * channels-buffered: a Go channel with capacity N (`make(chan []byte, N)`) inside one process.
 * A send drops its message into a ring of N slots and goes on at once while there is room;
 * only when all N slots are full does it wait for a receiver to take one. The consumer takes
 * messages in the order they were sent. Asynchronous: the sender does not wait for the
 * receiver, only for space.
 */

import { defineVariant, type OpenOptions, taxonomy, type Variant } from "@ipc-atlas/core";
import { channelsBufferedCard } from "./cards.ts";
import type { Channel } from "./channel.ts";
import { channelConsumer, channelProducer, openChannelEndpoint } from "./channel-endpoint.ts";
import { demoBuffered } from "./demo-channels-buffered.ts";

/** Capacity when OpenOptions.capacity is not given. */
export const DEFAULT_CAPACITY = 16;

export const channelsBuffered = defineVariant<Variant<Channel<Uint8Array>>>({
  id: "channels-buffered",
  taxonomy: { ...taxonomy["channels-buffered"], medium: "a Go-style channel with capacity N" },
  card: channelsBufferedCard,
  summary: `A Go-style channel with a buffer of N messages (default ${DEFAULT_CAPACITY}): send goes on while there is room and waits when it is full.`,
  module: import.meta.url,
  async open(options: OpenOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_CAPACITY;
    if (capacity < 1)
      throw new RangeError(
        `channels-buffered needs capacity ≥ 1 (got ${capacity}); use channels-unbuffered for 0`,
      );
    return openChannelEndpoint(capacity);
  },
  async producer(channel) {
    return channelProducer(channel);
  },
  async consumer(channel) {
    return channelConsumer(channel);
  },
  demo: demoBuffered,
});
