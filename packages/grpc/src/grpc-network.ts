/**
 * grpc-network: gRPC over TCP/IP, addressed by host and port. The consumer's gRPC server
 * listens on `host:port` (host 127.0.0.1 unless OpenOptions.host says otherwise, e.g. 0.0.0.0
 * to accept other machines) and producers dial it — HTTP/2 over TCP, so producer and
 * consumer can run on different hosts.
 *
 * The address must be known before either side attaches, but the consumer (the server) often
 * runs in another process. open() therefore listens on port 0 itself and keeps that listening
 * socket for the consumer, which takes it over (in this process, or passed over the IPC channel
 * of the process spawnConsumer starts): the port is never free in between, so no other program
 * can take it. grpc-js serves the handed-over socket's connections through its connection
 * injector. A consumer with nothing handed over (an address agreed in advance, from addressAt)
 * listens itself, and a port in use is a typed EADDRINUSE that says what to do.
 *
 * Every endpoint has a token that producers present as call metadata (see security.ts), and
 * beyond loopback TLS (`open({ tls: true })`) or an explicit `insecure: true`.
 */

import { createServer } from "node:net";
import {
  checkLimit,
  defineVariant,
  endpointSecurity,
  holdListener,
  listen,
  type TlsMaterial,
  takeListener,
  taxonomy,
} from "@ipc-atlas/core";
import { grpcNetworkCard } from "./cards.ts";
import { GrpcConsumer } from "./consumer.ts";
import { runGrpcDemo } from "./demo.ts";
import { GreeterClient } from "./greeter.ts";
import {
  connectProducer,
  type GrpcAddressBase,
  type GrpcOpenOptions,
  type GrpcVariant,
} from "./grpc-variant.ts";
import { DEFAULT_DEADLINE_MS } from "./producer.ts";
import { defaultMaxMessageSize } from "./proto.ts";

export interface GrpcNetworkAddress extends GrpcAddressBase {
  /** The interface the consumer listens on. */
  host: string;
  port: number;
  /** What producers present as `authorization: Bearer`. Absent: the server checks nothing (insecure). */
  token?: string;
  /** TLS: producers verify the server with `ca`; the server serves `cert` and `key`. */
  tls?: TlsMaterial;
}

/** `host:port` as gRPC names it; IPv6 literals go in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The address producers dial: a wildcard listen address is reached through loopback on this host. */
function dialTarget(address: GrpcNetworkAddress): string {
  if (address.host === "0.0.0.0") return hostPort("127.0.0.1", address.port);
  if (address.host === "::") return hostPort("::1", address.port);
  return address.target;
}

/** An endpoint at a port agreed in advance (across machines, for instance): the consumer listens there itself. */
export function addressAt(host: string, port: number, options: GrpcOpenOptions = {}): GrpcNetworkAddress {
  return {
    host,
    port,
    target: hostPort(host, port),
    maxMessageSize: checkLimit("maxMessageSize", options.maxMessageSize ?? defaultMaxMessageSize, 0, 2 ** 30),
    deadlineMs: checkLimit("deadlineMs", options.deadlineMs ?? DEFAULT_DEADLINE_MS, 1, 2 ** 31 - 1),
    // By hand (another machine): the token comes from the environment, never the command line.
    ...(process.env.IPC_ATLAS_TOKEN ? { token: process.env.IPC_ATLAS_TOKEN } : {}),
  };
}

export const grpcNetwork: GrpcVariant<GrpcNetworkAddress> = defineVariant<GrpcVariant<GrpcNetworkAddress>>({
  id: "grpc-network",
  taxonomy: { ...taxonomy["grpc-network"], medium: "gRPC over TCP/IP, addressed by host and port" },
  card: grpcNetworkCard,
  summary:
    "gRPC over TCP/IP at host:port: the consumer serves a Messages service whose unary Send answers once the consumer took the message.",
  module: import.meta.url,

  async open(options: GrpcOpenOptions = {}) {
    const host = options.host ?? "127.0.0.1";
    const security = await endpointSecurity("grpc-network", host, options);
    const limits = addressAt(host, 0, options);
    const listener = createServer();
    const port = await listen(listener, host, 0);
    const address = { ...limits, port, target: hostPort(host, port), ...security };
    if (!security.token) delete address.token;
    holdListener(address, listener);
    return {
      address,
      maxMessageSize: address.maxMessageSize,
      // The listener, unless a consumer took it over (then it closes with that consumer).
      close: async () => {
        takeListener(address)?.close();
      },
    };
  },

  async consumer(address, options = {}) {
    let listener = takeListener(address);
    if (!listener) {
      listener = createServer();
      await listen(listener, address.host, address.port);
    }
    try {
      return GrpcConsumer.serve(listener, address.target, {
        maxMessageSize: address.maxMessageSize,
        token: address.token,
        tls: address.tls,
        ...options,
      });
    } catch (error) {
      listener.close();
      throw error;
    }
  },

  producer: (address, options = {}) =>
    connectProducer(dialTarget(address), {
      maxMessageSize: address.maxMessageSize,
      deadlineMs: address.deadlineMs,
      token: address.token,
      ca: address.tls?.ca,
      ...options,
    }),

  greeter: (address, options) =>
    new GreeterClient(dialTarget(address), { token: address.token, ca: address.tls?.ca, ...options }),

  demo: (narrator) => runGrpcDemo(grpcNetwork, narrator),
});
