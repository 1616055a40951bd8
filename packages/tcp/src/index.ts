/**
 * @ipc-atlas/tcp — framed messages over TCP: `tcp` between processes of this host over
 * loopback, `tcp-ip` between hosts addressed by host and port. Both share one wire format
 * (core framing around core's DATA/END envelope) and one producer/consumer implementation.
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { tcp } from "./tcp.ts";
import { tcpIp } from "./tcp-ip.ts";

export {
  connectHost,
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_MESSAGE_BYTES_LIMIT,
  type TcpAddress,
} from "./address.ts";
export { type PeerErrorEvent, TcpConsumer } from "./consumer.ts";
export { demoSettings } from "./demo-tcp-ip.ts";
export { HeldListener, openTcpEndpoint } from "./endpoint.ts";
export { TcpProducer } from "./producer.ts";
export { tcp } from "./tcp.ts";
export { type TcpIpOpenOptions, tcpIp } from "./tcp-ip.ts";
export { END_FRAME, encodeMessage } from "./wire.ts";

export const variants: AnyVariant[] = [tcp, tcpIp];
