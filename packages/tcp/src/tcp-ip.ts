/**
 * tcp-ip: framed messages over TCP/IP between hosts, addressed by host and port. The consumer
 * listens on the interface the user chooses (OpenOptions.host, default 127.0.0.1; 0.0.0.0 for
 * every interface) and producers connect from this or another machine. Same wire format and
 * semantics as `tcp`; only the reach differs.
 *
 * Every endpoint has a token that producers present (see handshake.ts); beyond loopback it also
 * needs TLS (`open({ tls: true })`) or an explicit `insecure: true`.
 *
 * The demo (src/demo-tcp-ip.ts) runs both peers on this host, or either half on two machines.
 */

import {
  AddressError,
  defineVariant,
  type Endpoint,
  endpointSecurity,
  type OpenOptions,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { checkMaxMessageSize, DEFAULT_MAX_MESSAGE_BYTES, type TcpAddress } from "./address.ts";
import { tcpIpCard } from "./cards.ts";
import { TcpConsumer } from "./consumer.ts";
import { demoTcpIp } from "./demo-tcp-ip.ts";
import { openTcpEndpoint } from "./endpoint.ts";
import { TcpProducer } from "./producer.ts";

export interface TcpIpOpenOptions extends OpenOptions {
  /** The port to listen on; by default a free one is chosen. */
  port?: number;
}

export const tcpIp: Variant<TcpAddress> & {
  open(options?: TcpIpOpenOptions): Promise<Endpoint<TcpAddress>>;
} = defineVariant<
  Variant<TcpAddress> & {
    open(options?: TcpIpOpenOptions): Promise<Endpoint<TcpAddress>>;
  }
>({
  id: "tcp-ip",
  taxonomy: { ...taxonomy["tcp-ip"], medium: "TCP/IP between hosts, addressed by host and port" },
  card: tcpIpCard,
  summary:
    "Length-prefixed messages over TCP/IP, addressed by host and port: the consumer listens on a chosen interface, producers connect from any host.",
  module: import.meta.url,
  async open(options: TcpIpOpenOptions = {}) {
    const host = options.host ?? "127.0.0.1";
    const maxMessageSize = checkMaxMessageSize(options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES);
    if (
      options.port !== undefined &&
      (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    ) {
      throw new AddressError(
        "EINVAL",
        `port ${options.port} is not a TCP port`,
        "use 1024–65535, or 0 for a free one",
      );
    }
    // Refused first: a host beyond loopback needs TLS or an explicit insecure.
    const security = await endpointSecurity("tcp-ip", host, options);
    // Listening now checks that the host is ours and the port free, with a clear error if not;
    // the consumer takes this listening socket over, so the port is never released meanwhile.
    return openTcpEndpoint({ host, maxMessageSize, ...security }, options.port ?? 0);
  },
  producer: (address) => TcpProducer.connect(address),
  consumer: (address) => TcpConsumer.listen(address),
  demo: demoTcpIp,
});
