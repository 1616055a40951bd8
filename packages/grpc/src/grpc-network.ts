/**
 * grpc-network: gRPC over TCP/IP, addressed by host and port. The consumer's gRPC server
 * listens on `host:port` (host 127.0.0.1 unless OpenOptions.host says otherwise, e.g. 0.0.0.0
 * to accept other machines) and producers dial it — HTTP/2 over TCP, so producer and
 * consumer can run on different hosts.
 *
 * The address must be known before either side attaches, but the consumer (the server) runs in
 * another process. open() therefore asks the kernel for a free ephemeral port (bind port 0,
 * read it, release it) and hands that port over; the consumer binds it moments later. Another
 * program could take the port in between; the consumer then fails with EADDRINUSE, never
 * silently. Pass a fixed `port` to openAt() instead when the address is agreed in advance.
 *
 * Every endpoint has a token that producers present as call metadata (see security.ts), and
 * beyond loopback TLS (`open({ tls: true })`) or an explicit `insecure: true`.
 */

import { createServer } from "node:net";
import { AddressError, checkLimit, endpointSecurity, type TlsMaterial, taxonomy } from "@ipc-atlas/core";
import { GrpcConsumer } from "./consumer.ts";
import { GreeterClient } from "./greeter.ts";
import {
  connectProducer,
  type GrpcAddressBase,
  type GrpcOpenOptions,
  type GrpcVariant,
  runGrpcDemo,
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

/** A free TCP port on `host`, from the kernel's ephemeral range. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new AddressError(
          error.code ?? "EADDRNOTAVAIL",
          `cannot listen on host ${host}: ${error.message}`,
          "use an address of this machine (127.0.0.1, ::1, 0.0.0.0, or one of its interfaces)",
          { host },
        ),
      ),
    );
    probe.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
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

/** An endpoint at a port agreed in advance (across machines, for instance): nothing is probed. */
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

export const grpcNetwork: GrpcVariant<GrpcNetworkAddress> = {
  id: "grpc-network",
  taxonomy: taxonomy["grpc-network"],
  summary:
    "gRPC over TCP/IP at host:port: the consumer serves a Messages service whose unary Send answers once the consumer took the message.",
  module: import.meta.url,

  async open(options: GrpcOpenOptions = {}) {
    const host = options.host ?? "127.0.0.1";
    const security = await endpointSecurity("grpc-network", host, options);
    const address = { ...addressAt(host, await freePort(host), options), ...security };
    if (!security.token) delete address.token;
    return {
      address,
      maxMessageSize: address.maxMessageSize,
      // Nothing to remove: the server, and with it the port, belongs to the consumer's process.
      close: async () => {},
    };
  },

  consumer: (address, options = {}) =>
    GrpcConsumer.listen(address.target, {
      maxMessageSize: address.maxMessageSize,
      token: address.token,
      tls: address.tls,
      ...options,
    }),

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

  demo: (narrator) =>
    runGrpcDemo(
      grpcNetwork,
      narrator,
      (address) => `grpc-network: TCP port ${address.port} on ${address.host}`,
    ),
};
