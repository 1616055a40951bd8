/**
 * tcp: framed messages over a TCP connection on the loopback interface, between two processes
 * of this host. The consumer listens on 127.0.0.1 at a port chosen when the endpoint is
 * opened; producers connect to it. The kernel's socket buffers on both sides are the medium:
 * `send` resolves once a message is in them (asynchronous), and waits while they are full.
 */

import {
  AddressError,
  defineVariant,
  type Endpoint,
  endpointSecurity,
  type Narrator,
  type OpenOptions,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { tcpCard } from "./cards.ts";
import { runLocalDemo } from "./demo.ts";
import {
  checkMaxMessageSize,
  DEFAULT_MAX_MESSAGE_BYTES,
  reservePort,
  type TcpAddress,
  TcpConsumer,
  TcpProducer,
} from "./framed-socket.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** An endpoint for an address: there is nothing to tear down here, the consumer owns its socket. */
export function tcpEndpoint(address: TcpAddress): Endpoint<TcpAddress> {
  return {
    address,
    maxMessageSize: address.maxMessageSize,
    // The listening socket belongs to the consumer's process and closes with it (or with
    // consumer.close()); the reserved port was already released by open().
    async close() {},
  };
}

export const tcp: Variant<TcpAddress> = defineVariant<Variant<TcpAddress>>({
  id: "tcp",
  taxonomy: { ...taxonomy["tcp"], medium: "TCP over loopback between processes on this host" },
  card: tcpCard,
  summary: "Length-prefixed messages over a TCP connection on 127.0.0.1 between two processes of this host.",
  module: import.meta.url,
  async open(options: OpenOptions = {}) {
    if (options.host !== undefined && !LOOPBACK.has(options.host)) {
      throw new AddressError(
        "EINVAL",
        `tcp listens on loopback only, not on ${options.host}`,
        "use the tcp-ip variant to listen on another interface",
        { host: options.host },
      );
    }
    const host = "127.0.0.1";
    const maxMessageSize = checkMaxMessageSize(options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES);
    const security = await endpointSecurity("tcp", host, options);
    return tcpEndpoint({ host, port: await reservePort(host), maxMessageSize, ...security });
  },
  producer: (address) => TcpProducer.connect(address),
  consumer: (address) => TcpConsumer.listen(address),
  async demo(narrator: Narrator) {
    const endpoint = await tcp.open();
    narrator.note(`two processes on this host; the consumer listens on 127.0.0.1:${endpoint.address.port}`);
    try {
      await runLocalDemo("tcp", endpoint.address, narrator);
    } finally {
      await endpoint.close();
    }
  },
});
