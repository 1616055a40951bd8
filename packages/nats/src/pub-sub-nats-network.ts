/**
 * pub-sub-nats-network: publish/subscribe across a cluster of nats-servers connected by routes.
 *
 * Each server of a NATS cluster keeps a route (a TCP connection) to every other and tells them
 * which subjects its clients subscribe to. A message published on node A is forwarded over the
 * route to node B only if B has a subscriber for it, and B hands it to its subscribers. The
 * publisher and the subscribers are addressed by URL, so they can run on different machines:
 * `open()` starts a private 3-node cluster on 127.0.0.1, or uses the servers in `NATS_URL`
 * (comma-separated). The publisher connects to the first server, subscribers to the others.
 * A subscription takes a moment to reach the other nodes; `consumer()` resolves only when a
 * probe published on the publisher's node has come back to it through the routes.
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
import { pubSubNatsNetworkCard } from "./cards.ts";
import { startNatsCluster } from "./cluster.ts";
import { maxPayloadOf, type NatsAddress, newSubject } from "./connection.ts";
import { runNetworkDemo } from "./demo-pub-sub-nats-network.ts";
import { natsProducer } from "./publisher.ts";
import { natsUrlsFromEnv } from "./server.ts";
import { natsConsumer } from "./subscriber.ts";

/** Publisher on the first URL (falling back to the others in order), subscribers on the rest. */
export function clusterAddress(urls: string[], subject: string): NatsAddress {
  const [first, ...others] = urls;
  if (first === undefined) throw new RangeError("clusterAddress needs at least one URL");
  return { servers: urls, subscribeServers: others.length > 0 ? others : [first], subject };
}

export const pubSubNatsNetwork: Variant<NatsAddress> = defineVariant<Variant<NatsAddress>>({
  id: "pub-sub-nats-network",
  taxonomy: {
    ...taxonomy["pub-sub-nats-network"],
    medium: "NATS across a cluster of nats-servers (routes), client and server addressed by URL",
  },
  card: pubSubNatsNetworkCard,
  summary:
    "Publish/subscribe across a 3-node NATS cluster: publisher on one node, subscribers on others, over routes.",
  module: import.meta.url,
  async open(options: OpenOptions = {}) {
    const existing = natsUrlsFromEnv();
    // The servers started here listen on loopback and require the token (and TLS when asked);
    // servers from NATS_URL bring their own credentials in the URL.
    const security = existing ? {} : await endpointSecurity("pub-sub-nats-network", "127.0.0.1", options);
    const auth = {
      ...(security.token ? { token: security.token } : {}),
      ...(security.tls ? { tls: { ca: security.tls.ca } } : {}),
    };
    const cluster = existing
      ? undefined
      : await startNatsCluster({ nodes: 3, token: security.token, tls: security.tls });
    try {
      const urls = existing ?? cluster!.urls;
      const maxMessageSize = (await maxPayloadOf(urls, auth)) - ENVELOPE_BYTES;
      let closed = false;
      return {
        address: { ...clusterAddress(urls, newSubject("network")), ...auth },
        maxMessageSize,
        async close() {
          if (closed) return;
          closed = true;
          await cluster?.stop();
        },
      };
    } catch (error) {
      await cluster?.stop();
      throw error;
    }
  },
  producer: (address) => natsProducer(address),
  consumer: (address) => natsConsumer(address),
  demo: (narrator: Narrator) => runNetworkDemo(narrator),
});
