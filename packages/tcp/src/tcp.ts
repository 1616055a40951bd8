/**
 * tcp: framed messages over a TCP connection on the loopback interface, between two processes
 * of this host. The consumer listens on 127.0.0.1 at a port chosen when the endpoint is
 * opened; producers connect to it. The kernel's socket buffers on both sides are the medium:
 * `send` resolves once a message is in them (asynchronous), and waits while they are full.
 */

import {
  AddressError,
  defineVariant,
  endpointSecurity,
  type Narrator,
  type OpenOptions,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { checkMaxMessageSize, DEFAULT_MAX_MESSAGE_BYTES, type TcpAddress } from "./address.ts";
import { tcpCard } from "./cards.ts";
import { TcpConsumer } from "./consumer.ts";
import { runLocalDemo } from "./demo.ts";
import { openTcpEndpoint } from "./endpoint.ts";
import { TcpProducer } from "./producer.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export const tcp: Variant<TcpAddress> = defineVariant<Variant<TcpAddress>>({
  id: "tcp",
  taxonomy: { ...taxonomy.tcp, medium: "TCP over loopback between processes on this host" },
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
    return openTcpEndpoint({ host, maxMessageSize, ...security });
  },
  producer: (address) => TcpProducer.connect(address),
  consumer: (address) => TcpConsumer.listen(address),
  async demo(narrator: Narrator) {
    const endpoint = await tcp.open();
    narrator.note(`two processes on this host; the consumer listens on 127.0.0.1:${endpoint.address.port}`);
    try {
      await runLocalDemo(endpoint.address, narrator);
    } finally {
      await endpoint.close();
    }
  },
});
