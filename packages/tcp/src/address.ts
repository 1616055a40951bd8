/**
 * The tcp variants' address (JSON, so it crosses processes and machines), its limits and the
 * host:port rules shared by the producer, the consumer and their errors.
 */

import { ENVELOPE_BYTES, type TlsMaterial } from "@ipc-atlas/core";

/** Where a TCP medium is: the consumer listens on host:port, producers connect there. JSON. */
export interface TcpAddress {
  /** The interface the consumer listens on; producers connect to it (a wildcard means this host). */
  host: string;
  port: number;
  /** Largest message body; the consumer drops a connection that announces more. */
  maxMessageSize: number;
  /** The secret a producer presents in its first frame. Absent: anyone who connects may send (insecure). */
  token?: string;
  /** TLS: producers verify the consumer with `ca`; the consumer serves `cert` and `key`. */
  tls?: TlsMaterial;
  /** Connections the consumer accepts at once. Default 128. */
  maxConnections?: number;
  /** A connection that sends nothing for this long is dropped. Default 10 min. */
  idleTimeoutMs?: number;
}

/** Defaults for the consumer's connection limits. */
export const DEFAULT_MAX_CONNECTIONS = 128;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;

/** Default largest message: 1 MiB. A connection can make the consumer buffer at most this much. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
/** The largest limit a frame's 32-bit length can express, less the envelope's tag byte. */
export const MAX_MESSAGE_BYTES_LIMIT = 0xffff_ffff - ENVELOPE_BYTES;

export function checkMaxMessageSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_MESSAGE_BYTES_LIMIT) {
    throw new RangeError(
      `maxMessageSize must be a whole number from 0 to ${MAX_MESSAGE_BYTES_LIMIT}, got ${size}`,
    );
  }
  return size;
}

/** Where a producer connects for a listening host: a wildcard listener is reached through loopback. */
export function connectHost(host: string): string {
  if (host === "" || host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "::1";
  return host;
}

/** "host:port", with an IPv6 host in brackets. */
export function where(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
