/**
 * channels-unbuffered: a Go channel without a buffer (`make(chan []byte)`) inside one process.
 * There is nowhere to put a message, so sender and receiver must meet: a send waits until a
 * receiver takes the value, and a receive waits until a sender offers one. Synchronous: when
 * `send` resolves, the consumer has the message.
 */

import { defineVariant, taxonomy, type Variant } from "@ipc-atlas/core";
import { channelsUnbufferedCard } from "./cards.ts";
import type { Channel } from "./channel.ts";
import { channelConsumer, channelProducer, openChannelEndpoint } from "./channel-endpoint.ts";
import { demoUnbuffered } from "./demo-channels-unbuffered.ts";

export const channelsUnbuffered = defineVariant<Variant<Channel<Uint8Array>>>({
  id: "channels-unbuffered",
  taxonomy: { ...taxonomy["channels-unbuffered"], medium: "a Go-style rendezvous channel (capacity 0)" },
  card: channelsUnbufferedCard,
  summary: "A Go-style rendezvous channel (capacity 0): every send waits until a receiver takes the message.",
  module: import.meta.url,
  async open() {
    return openChannelEndpoint(0);
  },
  async producer(channel) {
    return channelProducer(channel);
  },
  async consumer(channel) {
    return channelConsumer(channel);
  },
  demo: demoUnbuffered,
});
