/**
 * pub-sub-nats-os: publish/subscribe between processes on this host through one nats-server.
 *
 * A publisher sends a message to a subject; the server forwards a copy to every subscription
 * on that subject that exists at that moment, and keeps nothing. Unlike a queue, a message
 * published while nobody subscribes is gone, and every subscriber gets every message (fan-out)
 * unless subscribers share a queue group, which load-balances instead. `open()` starts a
 * private nats-server on 127.0.0.1 (or uses `NATS_URL`); the address is
 * `{ servers: [url], subject }`. See publisher.ts and subscriber.ts for what makes delivery
 * lossless in the conformance suite's conditions and what the real guarantee is (at-most-once).
 */

import {
  defineVariant,
  ENVELOPE_BYTES,
  endpointSecurity,
  type Narrator,
  type OpenOptions,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { pubSubNatsOsCard } from "./cards.ts";
import { maxPayloadOf, type NatsAddress, newSubject } from "./connection.ts";
import { runOsDemo } from "./demo-pub-sub-nats-os.ts";
import { natsProducer } from "./publisher.ts";
import { natsUrlsFromEnv, startNatsServer } from "./server.ts";
import { natsConsumer } from "./subscriber.ts";

export const pubSubNatsOs: Variant<NatsAddress> = defineVariant<Variant<NatsAddress>>({
  id: "pub-sub-nats-os",
  taxonomy: { ...taxonomy["pub-sub-nats-os"], medium: "NATS subjects through a nats-server on this host" },
  card: pubSubNatsOsCard,
  summary: "Publish/subscribe between processes on this host through a nats-server: fan-out, nothing kept.",
  module: import.meta.url,
  async open(options: OpenOptions = {}) {
    const existing = natsUrlsFromEnv();
    // The servers started here listen on loopback and require the token (and TLS when asked);
    // servers from NATS_URL bring their own credentials in the URL.
    const security = existing ? {} : await endpointSecurity("pub-sub-nats-os", "127.0.0.1", options);
    const auth = {
      ...(security.token ? { token: security.token } : {}),
      ...(security.tls ? { tls: { ca: security.tls.ca } } : {}),
    };
    const server = existing ? undefined : await startNatsServer({ token: security.token, tls: security.tls });
    try {
      const servers = existing ?? [server!.url];
      const maxMessageSize = (await maxPayloadOf(servers, auth)) - ENVELOPE_BYTES;
      let closed = false;
      return {
        address: { servers, subject: newSubject("os"), ...auth },
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
});
