/**
 * pub-sub-nats-os: publish/subscribe between processes on this host through one nats-server.
 *
 * A publisher sends a message to a subject; the server forwards a copy to every subscription
 * on that subject that exists at that moment, and keeps nothing. Unlike a queue, a message
 * published while nobody subscribes is gone, and every subscriber gets every message (fan-out)
 * unless subscribers share a queue group, which load-balances instead. `open()` starts a
 * private nats-server on 127.0.0.1 (or uses `NATS_URL`); the address is
 * `{ servers: [url], subject }`. See pub-sub.ts for what makes delivery lossless in the
 * conformance suite's conditions and what the real guarantee is (at-most-once).
 */

import { ENVELOPE_BYTES, type Narrator, taxonomy, type Variant } from "@ipc-atlas/core";
import { runOsDemo } from "./demo-os.ts";
import { maxPayloadOf, type NatsAddress, natsConsumer, natsProducer, newSubject } from "./pub-sub.ts";
import { natsUrlsFromEnv, startNatsServer } from "./server.ts";

export const pubSubNatsOs: Variant<NatsAddress> = {
  id: "pub-sub-nats-os",
  taxonomy: taxonomy["pub-sub-nats-os"],
  summary: "Publish/subscribe between processes on this host through a nats-server: fan-out, nothing kept.",
  module: import.meta.url,
  async open() {
    const existing = natsUrlsFromEnv();
    const server = existing ? undefined : await startNatsServer();
    try {
      const servers = existing ?? [server!.url];
      const maxMessageSize = (await maxPayloadOf(servers)) - ENVELOPE_BYTES;
      let closed = false;
      return {
        address: { servers, subject: newSubject("os") },
        maxMessageSize,
        async close() {
          if (closed) return;
          closed = true;
          await server?.stop();
        },
      };
    } catch (error) {
      await server?.stop();
      throw error;
    }
  },
  producer: (address) => natsProducer(address),
  consumer: (address) => natsConsumer(address),
  demo: (narrator: Narrator) => runOsDemo(narrator),
};
