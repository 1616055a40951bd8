/**
 * @ipc-atlas/tcp — framed messages over TCP: `tcp` between processes of this host over
 * loopback, `tcp-ip` between hosts addressed by host and port. Both share one wire format
 * (core framing around core's DATA/END envelope) and one producer/consumer implementation.
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { tcp } from "./tcp.ts";
import { tcpIp } from "./tcp-ip.ts";

export {
  connectError,
  connectHost,
  DEFAULT_MAX_MESSAGE_BYTES,
  END_FRAME,
  encodeMessage,
  listenError,
  MAX_MESSAGE_BYTES_LIMIT,
  type PeerErrorEvent,
  reservePort,
  type TcpAddress,
  TcpConsumer,
  TcpProducer,
} from "./framed-socket.ts";
export { tcp, tcpEndpoint } from "./tcp.ts";
export { demoSettings, type TcpIpOpenOptions, tcpIp } from "./tcp-ip.ts";

export const variants: AnyVariant[] = [tcp, tcpIp];
