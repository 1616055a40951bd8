/**
 * The NATS connection both sides of `pub-sub-nats-os` and `pub-sub-nats-network` share: the
 * address a publisher and its subscribers meet at, credentials (from the address, or from
 * `NATS_URL`'s user part, which nats.js itself ignores), connecting with reconnect defaults
 * long enough for a server restart, and the subjects.
 *
 * Core NATS is fire-and-forget: the server forwards a message to the subscriptions that exist at
 * that moment and keeps nothing. What the publisher (publisher.ts) and the subscriber
 * (subscriber.ts) add on top is said at the top of each.
 */

import { randomUUID } from "node:crypto";
import { IpcError, registerErrorClass } from "@ipc-atlas/core";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** Where a publisher and its subscribers meet. Plain JSON. */
export interface NatsAddress {
  /** Servers the publisher connects to, in order of preference (the first is used while it is up). */
  servers: string[];
  /** Servers subscribers connect to; default `servers`. */
  subscribeServers?: string[];
  subject: string;
  /** Queue group: subscribers with the same group share the messages instead of each getting all. */
  queue?: string;
  /** The token the servers require (the address is then a secret: never argv, never logs). */
  token?: string;
  /** TLS: the CA that signed the servers' certificates. */
  tls?: { ca: string };
}

/** What a connection needs besides the servers: the address's token and CA. */
export type NatsAuth = Pick<NatsAddress, "token" | "tls">;

/**
 * nats.js options for `servers`, with credentials taken out of the URLs (`nats://user:pass@h:p`
 * or `nats://token@h:p`, as NATS_URL may carry them; nats.js itself drops them) and the
 * address's token and CA added. The servers come back without credentials, fit for messages.
 */
export function natsConnectOptions(
  servers: string[],
  auth: NatsAuth = {},
): { servers: string[]; token?: string; user?: string; pass?: string; tls?: { ca: string } } {
  const out: ReturnType<typeof natsConnectOptions> = { servers: [] };
  for (const server of servers) {
    const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@(.*)$/i.exec(server);
    if (!match) {
      out.servers.push(server);
      continue;
    }
    const [, scheme, userinfo, rest] = match as unknown as [string, string, string, string];
    out.servers.push(`${scheme}${rest}`);
    const colon = userinfo.indexOf(":");
    if (colon >= 0) {
      out.user = decodeURIComponent(userinfo.slice(0, colon));
      out.pass = decodeURIComponent(userinfo.slice(colon + 1));
    } else out.token = decodeURIComponent(userinfo);
  }
  if (auth.token) out.token = auth.token;
  if (auth.tls) out.tls = { ca: auth.tls.ca };
  return out;
}

/** A NATS connection failed (no server answered, or the connection was closed for good). */
export class NatsConnectionError extends IpcError {
  constructor(message: string, hint: string, cause?: unknown) {
    super("ENATSCONN", message, { hint, cause });
  }
}
registerErrorClass(NatsConnectionError);

/** Header that marks an interest probe; consumers drop such messages. */
export const PROBE_HEADER = "Ipc-Atlas-Probe";

const CONNECT_DEFAULTS = {
  // Reconnect for ~30 s (120 × 250 ms) before giving up: long enough for a server restart.
  maxReconnectAttempts: 120,
  reconnectTimeWait: 250,
  timeout: 5000,
} as const;

/** Connects to the first server that answers; a refusal or no answer becomes a NatsConnectionError with a hint. */
export async function natsConnect(
  servers: string[],
  name: string,
  options: { noRandomize?: boolean } & NatsAuth = {},
): Promise<NatsConnection> {
  const { token, tls, ...rest } = options;
  const connectOptions = natsConnectOptions(servers, {
    ...(token ? { token } : {}),
    ...(tls ? { tls } : {}),
  });
  try {
    return await connect({ ...connectOptions, name, ...CONNECT_DEFAULTS, ...rest });
  } catch (error) {
    const refused = /authorization/i.test((error as Error).message);
    throw new NatsConnectionError(
      `could not connect to NATS at ${connectOptions.servers.join(", ")}: ${(error as Error).message}`,
      refused
        ? "the server refused the credentials: use the whole address that open() returned (it carries the token)"
        : "start nats-server there (or unset NATS_URL so that ipc-atlas starts one)",
      error,
    );
  }
}

/** The server's max_payload: the largest NATS message, envelope included. */
export async function maxPayloadOf(servers: string[], auth: NatsAuth = {}): Promise<number> {
  const nc = await natsConnect(servers, "ipc-atlas max_payload probe", auth);
  try {
    return nc.info?.max_payload ?? 1024 * 1024;
  } finally {
    await nc.close();
  }
}

/** A fresh subject under `ipc-atlas.<prefix>.`, so that runs never hear each other. */
export function newSubject(prefix: string): string {
  return `ipc-atlas.${prefix}.${randomUUID().replaceAll("-", "")}`;
}

/** In a queue group END goes here, a subject every member hears (a queued message reaches one). */
export function endSubject(address: NatsAddress): string {
  return `${address.subject}.end`;
}

/** The address's credentials, for `natsConnect`. */
export function authOf(address: NatsAddress): NatsAuth {
  return { ...(address.token ? { token: address.token } : {}), ...(address.tls ? { tls: address.tls } : {}) };
}
