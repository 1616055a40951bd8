/**
 * rest: messages as HTTP requests. The consumer runs an express 5 server; the producer POSTs
 * each message to it over a keep-alive connection, and the server answers 204 only once the
 * consumer's iterator has taken the message, so `send` is synchronous: when it resolves, the
 * consumer has the message. `close()` is a `POST /close` that ends the consumer's iteration.
 *
 * The consumer is the server because it is the side that receives: HTTP's request/reply maps
 * onto "send, then hear that it was taken". The address is known before either side attaches:
 * `open()` listens on a port the kernel picks and keeps that listening socket for the consumer,
 * which takes it over (in this process, or passed over the IPC channel of the process
 * spawnConsumer starts), so the port is never free for another program in between. The URL, the
 * port and the server's limits go in a JSON address. A port given to `open({ port })` is agreed in
 * advance (the consumer may run on another machine): the consumer listens on it itself.
 *
 * The address also carries a token (every request sends it as `Authorization: Bearer`) and,
 * with `open({ tls: true })`, the certificates for HTTPS: the address is a secret, handed to
 * child processes through their environment, never their command line.
 */

import { createServer } from "node:net";
import { hostname } from "node:os";
import {
  AddressError,
  type Consumer,
  checkLimit,
  defineVariant,
  type Endpoint,
  endpointSecurity,
  holdListener,
  listen,
  type Narrator,
  type OpenOptions,
  type Producer,
  type TlsMaterial,
  takeListener,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { restCard } from "./cards.ts";
import { runRestDemo } from "./demo.ts";
import { MessageClient } from "./message-client.ts";
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MessageServer,
  type MessageServerOptions,
} from "./message-server.ts";

/** Where a rest stream lives: plain JSON, handed to the consumer's and producers' processes. */
export interface RestAddress {
  /** Base URL the producers POST to, e.g. http://127.0.0.1:43127. */
  url: string;
  /** Interface and port the consumer's server listens on. */
  listen: { host: string; port: number };
  /** Largest message, in bytes: the server's body limit and the producers' check. */
  maxMessageSize: number;
  /** The server's header timeout (slow-header clients are cut off with 408). */
  headersTimeoutMs: number;
  /** The server's timeout for a whole request, headers and body. */
  requestTimeoutMs: number;
  /** What producers send as `Authorization: Bearer`. Absent: the server checks nothing (insecure). */
  token?: string;
  /** HTTPS: producers verify the server with `ca`; the server serves `cert` and `key`. */
  tls?: TlsMaterial;
  /** Requests the consumer lets wait at once, in count and bytes; more get 503. */
  maxWaiting?: number;
  maxWaitingBytes?: number;
}

export interface RestOpenOptions extends OpenOptions {
  /** Port agreed in advance, where the consumer listens. Default: one the kernel picks, held by `open` for the consumer. */
  port?: number;
  /** Default 10 s. */
  headersTimeoutMs?: number;
  /** Default 30 s. */
  requestTimeoutMs?: number;
  /** Requests waiting to be taken, at most; more get 503 + Retry-After. Default 1,024. */
  maxWaiting?: number;
  /** Bytes of bodies waiting to be taken, at most. Default 16 MiB. */
  maxWaitingBytes?: number;
}

function urlFor(host: string, port: number, tls = false): string {
  // Listening on every interface: others reach this machine by its name.
  const reachable = host === "0.0.0.0" || host === "::" ? hostname() : host;
  return `${tls ? "https" : "http"}://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * An address from the command line: the JSON that `open()` returns, a URL (`http://host:port`,
 * what a producer on another machine is given) or `host:port` (where a consumer listens).
 * Limits and timeouts not given take their defaults.
 */
export function parseRestAddress(text: string): RestAddress {
  const defaults = {
    maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
    headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  };
  if (text.trim().startsWith("{")) return { ...defaults, ...(JSON.parse(text) as RestAddress) };
  // By hand (another machine): the token comes from the environment, never the command line.
  const token = process.env.IPC_ATLAS_TOKEN;
  if (token) Object.assign(defaults, { token });
  const url = new URL(/^https?:\/\//.test(text) ? text : `http://${text}`);
  const port = Number(url.port);
  if (url.protocol !== "http:" || !Number.isInteger(port) || port <= 0) {
    throw new AddressError(
      "EINVAL",
      `"${text}" is not a rest address`,
      "give http://host:port, host:port, or the JSON from open()",
      {
        text,
      },
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return { ...defaults, url: urlFor(host, port), listen: { host, port } };
}

async function open(options: RestOpenOptions = {}): Promise<Endpoint<RestAddress>> {
  const host = options.host ?? "127.0.0.1";
  const maxMessageSize = checkLimit(
    "maxMessageSize",
    options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    0,
    2 ** 30,
  );
  const max = 2 ** 31 - 1;
  const headersTimeoutMs = checkLimit(
    "headersTimeoutMs",
    options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    1,
    max,
  );
  const requestTimeoutMs = checkLimit(
    "requestTimeoutMs",
    options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    1,
    max,
  );
  if (options.port !== undefined) checkLimit("port", options.port, 0, 65_535);
  if (options.maxWaiting !== undefined) checkLimit("maxWaiting", options.maxWaiting, 1, 2 ** 20);
  if (options.maxWaitingBytes !== undefined)
    checkLimit("maxWaitingBytes", options.maxWaitingBytes, 1, 2 ** 40);
  const security = await endpointSecurity("rest", host, options);
  const listener = options.port ? undefined : createServer();
  const port = listener ? await listen(listener, host, 0) : (options.port as number);
  const address: RestAddress = {
    url: urlFor(host, port, security.tls !== undefined),
    listen: { host, port },
    maxMessageSize,
    headersTimeoutMs,
    requestTimeoutMs,
    ...security,
    ...(options.maxWaiting !== undefined ? { maxWaiting: options.maxWaiting } : {}),
    ...(options.maxWaitingBytes !== undefined ? { maxWaitingBytes: options.maxWaitingBytes } : {}),
  };
  if (listener) holdListener(address, listener);
  return {
    address,
    maxMessageSize,
    // The listener, unless a consumer took it over (then it stops with consumer.close() or its process).
    close: async () => {
      takeListener(address)?.close();
    },
  };
}

/** Attaches a producer: checks that the server answers, then POSTs each message to it. */
export async function restProducer(address: RestAddress): Promise<MessageClient> {
  const client = new MessageClient({
    url: address.url,
    maxMessageSize: address.maxMessageSize,
    token: address.token,
    ca: address.tls?.ca,
  });
  await client.connect();
  return client;
}

/**
 * Starts the consumer's server at the address; resolves once it listens. `extra` adds
 * middleware ahead of the message routes (the demo narrates requests with it).
 */
export function restConsumer(
  address: RestAddress,
  extra: Pick<MessageServerOptions, "configure" | "onInternalError" | "keepAliveTimeoutMs"> = {},
): Promise<MessageServer> {
  return MessageServer.start({
    ...extra,
    // The endpoint's listening socket when open() in this process holds it, or a parent handed it over.
    listener: takeListener(address),
    host: address.listen.host,
    port: address.listen.port,
    maxMessageSize: address.maxMessageSize,
    headersTimeoutMs: address.headersTimeoutMs,
    requestTimeoutMs: address.requestTimeoutMs,
    token: address.token,
    tls: address.tls,
    maxWaiting: address.maxWaiting,
    maxWaitingBytes: address.maxWaitingBytes,
  });
}

/** Two processes: an express server consuming slowly, a client whose sends wait for it (demo.ts). */
function demo(narrator: Narrator): Promise<void> {
  return runRestDemo(open, narrator);
}

export const rest: Variant<RestAddress> & {
  open(options?: RestOpenOptions): Promise<Endpoint<RestAddress>>;
} = defineVariant<
  Variant<RestAddress> & {
    open(options?: RestOpenOptions): Promise<Endpoint<RestAddress>>;
  }
>({
  id: "rest",
  taxonomy: { ...taxonomy.rest, medium: "HTTP request/reply with express on the server" },
  card: restCard,
  summary:
    "RPC over HTTP POST: an express 5 server in the consumer answers each POST /messages once its iterator took the message.",
  module: import.meta.url,
  open,
  producer: (address): Promise<Producer> => restProducer(address),
  consumer: (address): Promise<Consumer> => restConsumer(address),
  demo,
});
