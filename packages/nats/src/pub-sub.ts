/**
 * Producer and consumer over a core NATS subject, shared by `pub-sub-nats-os` (one server)
 * and `pub-sub-nats-network` (a cluster). Core NATS is fire-and-forget: the server forwards a
 * message to the subscriptions that exist at that moment and keeps nothing. What this module
 * adds on top, and why:
 *
 * - Readiness: `consumer()` resolves only after the server has the subscription (a flush
 *   round-trip after SUB) and, when the producer uses another server of the cluster, after
 *   that server has learnt the interest through its routes (a probe published there has come
 *   back). Before that, a publish would be dropped for lack of interest.
 * - Backpressure: nats.js `publish` only appends to the client's buffer. The producer keeps at
 *   most `WINDOW_BYTES` published-but-unconfirmed; past that `send` waits for a flush (PING/PONG:
 *   the server has processed everything before it). So producer memory stays bounded, and
 *   `send` resolves once the message is in that bounded window, like a socket buffer.
 * - Outages: while the client is disconnected, `send` waits for the reconnect instead of
 *   publishing into a buffer that nats.js discards on reconnect. Messages published but not
 *   confirmed when the connection dropped are counted as "in doubt" (`stats()`), never hidden.
 * - End of stream: `close()` publishes core's END envelope and flushes, so every subscriber's
 *   iteration ends after the last message. In a queue group END goes to a control subject that
 *   every member hears, because a queued message reaches one member only.
 *
 * Subscribers get messages pushed; nats.js buffers them in the subscriber's process until the
 * iteration takes them, so a subscriber that is slow to iterate costs its own memory, not the
 * publisher's. A subscriber whose process stops reading its socket is cut off by the server
 * (slow consumer) and misses what was published meanwhile: core NATS is at-most-once.
 */

import { randomUUID } from "node:crypto";
import {
  ClosedError,
  type Consumer,
  checkLimit,
  END_MARKER,
  ENVELOPE_BYTES,
  IpcError,
  MessageTooLargeError,
  PeerGoneError,
  type Producer,
  redactUrl,
  registerErrorClass,
  TimeoutError,
  unwrap,
  wrapData,
} from "@ipc-atlas/core";
import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";

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

/** The subscriber's process let more messages wait than it may hold: it was cut off. */
export class NatsSlowConsumerError extends IpcError {
  constructor(count: number, bytes: number) {
    super(
      "ESLOWCONSUMER",
      `the subscriber let ${count} messages (${bytes} bytes) wait untaken; it stopped receiving`,
      {
        hint: "take messages faster than they are published, or open the consumer with larger maxPending / maxPendingBytes; core NATS keeps nothing, so what was published meanwhile is lost",
        details: { count, bytes },
      },
    );
  }
}
registerErrorClass(NatsSlowConsumerError);

/** Defaults for what a subscriber may hold untaken. */
export const DEFAULT_MAX_PENDING = 262_144;
export const DEFAULT_MAX_PENDING_BYTES = 128 * 1024 * 1024;

/** A NATS connection failed (no server answered, or the connection was closed for good). */
export class NatsConnectionError extends IpcError {
  constructor(message: string, hint: string, cause?: unknown) {
    super("ENATSCONN", message, { hint, cause });
  }
}
registerErrorClass(NatsConnectionError);

/** Largest number of bytes published and not yet confirmed by a flush round-trip. */
export const WINDOW_BYTES = 1024 * 1024;
/** A flush is started every this many bytes, so confirmations arrive before the window fills. */
const FLUSH_EVERY_BYTES = WINDOW_BYTES / 4;
/** Accepted messages are handed to nats.js in batches of about this many bytes. */
const BATCH_BYTES = 64 * 1024;
/** Header that marks an interest probe; consumers drop such messages. */
const PROBE_HEADER = "Ipc-Atlas-Probe";

const CONNECT_DEFAULTS = {
  // Reconnect for ~30 s (120 × 250 ms) before giving up: long enough for a server restart.
  maxReconnectAttempts: 120,
  reconnectTimeWait: 250,
  timeout: 5000,
} as const;

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

const EMPTY = new Uint8Array(0);

export function newSubject(prefix: string): string {
  return `ipc-atlas.${prefix}.${randomUUID().replaceAll("-", "")}`;
}

function endSubject(address: NatsAddress): string {
  return `${address.subject}.end`;
}

export interface NatsProducerStats {
  /** Messages handed to nats.js (END not included). */
  published: number;
  /** Messages the server confirmed having processed (a flush after them came back). */
  confirmed: number;
  /** Messages published when the connection dropped before their flush came back: maybe lost. */
  inDoubt: number;
  /** How many times the connection dropped. */
  disconnects: number;
}

export type NatsProducer = Producer & {
  stats(): NatsProducerStats;
  /** Largest message `send` accepts: the server's max_payload minus the envelope byte. */
  readonly maxMessageSize: number;
  /** The URL of the server the publisher is connected to now. */
  server(): string;
  /** Resolves once the server has processed every message sent so far (a PING/PONG round-trip). */
  flush(): Promise<void>;
};

export async function natsProducer(address: NatsAddress): Promise<NatsProducer> {
  // noRandomize: the publisher stays on the first server (the one the consumers probed) while it is up.
  const nc = await natsConnect(address.servers, "ipc-atlas publisher", {
    noRandomize: true,
    ...authOf(address),
  });
  // The server's max_payload bounds a NATS message; the envelope takes one byte of it.
  const maxMessageSize = (nc.info?.max_payload ?? 1024 * 1024) - ENVELOPE_BYTES;
  const stats: NatsProducerStats = { published: 0, confirmed: 0, inDoubt: 0, disconnects: 0 };
  let connected = true;
  let closed = false;
  let gone: Error | undefined;
  // Bytes accepted by send() and not yet confirmed by a flush: the batch, plus what was
  // published since. Bounded by WINDOW_BYTES.
  let unconfirmedBytes = 0;
  let sinceFlushBytes = 0;
  let sinceFlushMessages = 0;
  // Accepted messages not yet handed to nats.js. nats.js writes to its socket in a microtask
  // after each publish, so publishing one message per awaited send() would cost one write per
  // message; publishing a batch at once (when it reaches BATCH_BYTES, or on the next turn of the
  // event loop) makes one write of many.
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let batchScheduled: NodeJS.Immediate | undefined;
  // Sends waiting for room in the window or for the reconnect, in call order.
  const waiting: Array<{ data: Uint8Array; resolve: () => void; reject: (e: Error) => void }> = [];
  let lastQueued: Promise<void> = Promise.resolve();

  const startFlush = () => {
    const bytes = sinceFlushBytes;
    const messages = sinceFlushMessages;
    sinceFlushBytes = 0;
    sinceFlushMessages = 0;
    nc.flush().then(
      () => {
        stats.confirmed += messages;
        unconfirmedBytes -= bytes;
        pump();
      },
      () => {
        // The connection dropped before the server confirmed these: they may or may not have
        // reached it. Counted, and out of the window so sending resumes after the reconnect.
        stats.inDoubt += messages;
        unconfirmedBytes -= bytes;
        pump();
      },
    );
  };

  const publishBatch = (flushAfter: boolean) => {
    if (batchScheduled) {
      clearImmediate(batchScheduled);
      batchScheduled = undefined;
    }
    if (!connected || batch.length === 0) return;
    const out = batch;
    batch = [];
    batchBytes = 0;
    for (const data of out) {
      nc.publish(address.subject, data);
      sinceFlushBytes += data.byteLength;
      sinceFlushMessages++;
    }
    stats.published += out.length;
    if (flushAfter || sinceFlushBytes >= FLUSH_EVERY_BYTES) startFlush();
  };

  const accept = (data: Uint8Array) => {
    batch.push(data);
    batchBytes += data.byteLength;
    unconfirmedBytes += data.byteLength;
    if (batchBytes >= BATCH_BYTES) publishBatch(false);
    else
      batchScheduled ??= setImmediate(() => {
        batchScheduled = undefined;
        publishBatch(true);
      });
  };

  const canAccept = () => connected && unconfirmedBytes < WINDOW_BYTES;

  const pump = () => {
    if (!connected) return;
    publishBatch(false);
    while (waiting.length > 0 && canAccept()) {
      const next = waiting.shift()!;
      accept(next.data);
      next.resolve();
    }
  };

  const fail = (error: Error) => {
    gone ??= error;
    for (const w of waiting.splice(0)) w.reject(error);
  };

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        connected = false;
        stats.disconnects++;
        // Messages published since the last flush have no flush to report on them yet.
        if (sinceFlushMessages > 0) startFlush();
      } else if (status.type === "reconnect") {
        connected = true;
        pump();
      }
    }
  })();
  void nc.closed().then((error) => {
    connected = false;
    if (!closed) {
      fail(
        new NatsConnectionError(
          `the publisher's NATS connection closed${error ? `: ${error.message}` : ""}`,
          "the server is gone and did not come back within the reconnect time; restart it and retry",
          error,
        ),
      );
    }
  });

  return {
    maxMessageSize,
    server: () => nc.getServer(),
    stats: () => ({ ...stats }),
    async flush() {
      if (closed) throw new ClosedError("NATS producer");
      await lastQueued;
      publishBatch(false);
      if (sinceFlushMessages > 0) startFlush();
      await nc.flush();
    },
    async send(message) {
      if (closed) throw new ClosedError("NATS producer");
      if (gone) throw gone;
      if (message.byteLength > maxMessageSize) {
        throw new MessageTooLargeError(message.byteLength, maxMessageSize, "this NATS server (max_payload)");
      }
      const data = wrapData(message);
      if (waiting.length === 0 && canAccept()) {
        accept(data);
        return;
      }
      const queued = new Promise<void>((resolve, reject) => waiting.push({ data, resolve, reject }));
      lastQueued = queued.catch(() => {});
      await queued;
    },
    async close() {
      if (closed) return;
      // Wait for the queued sends, then END, then a flush: when close() resolves the server
      // has processed every message and END.
      closed = true;
      await lastQueued;
      try {
        // END is published until a flush confirms it: if the connection drops first, it is
        // published again after the reconnect (a second END is harmless, the first one ends
        // the iteration), so an outage at the wrong moment cannot leave subscribers waiting.
        for (;;) {
          if (gone) throw gone;
          if (nc.isClosed()) throw new PeerGoneError("the NATS connection closed before END was sent");
          if (!connected) {
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          publishBatch(false);
          nc.publish(address.queue ? endSubject(address) : address.subject, END_MARKER);
          if (sinceFlushMessages > 0) startFlush();
          try {
            await nc.flush();
            return;
          } catch {
            // dropped before the server confirmed END: go round again
          }
        }
      } finally {
        if (batchScheduled) clearImmediate(batchScheduled);
        await nc.close().catch(() => {});
      }
    },
  };
}

export interface NatsConsumerStats {
  received: number;
  /** Messages that were not ipc-atlas envelopes: dropped, never fatal. */
  dropped: number;
  /** How many times the connection dropped; messages published meanwhile are lost (at-most-once). */
  disconnects: number;
}

export type NatsConsumer = Consumer & {
  stats(): NatsConsumerStats;
  /** The URL of the server the subscriber is connected to now. */
  server(): string;
};

export interface NatsConsumerOptions {
  /** Milliseconds to wait until the publisher's server has the subscription's interest. Default 10 000. */
  interestTimeoutMs?: number;
  /** Called when the connection drops and when it comes back. */
  onStatus?: (event: "disconnect" | "reconnect") => void;
  /** Messages waiting untaken, at most; past it the iteration fails with NatsSlowConsumerError. Default 262,144. */
  maxPending?: number;
  /** Bytes waiting untaken, at most. Default 128 MiB (more than a stalled conformance run sends). */
  maxPendingBytes?: number;
}

export async function natsConsumer(
  address: NatsAddress,
  options: NatsConsumerOptions = {},
): Promise<NatsConsumer> {
  const servers = address.subscribeServers ?? address.servers;
  const nc = await natsConnect(servers, "ipc-atlas subscriber", authOf(address));
  const stats: NatsConsumerStats = { received: 0, dropped: 0, disconnects: 0 };
  const maxPending = checkLimit("maxPending", options.maxPending ?? DEFAULT_MAX_PENDING, 1, 2 ** 30);
  const maxPendingBytes = checkLimit(
    "maxPendingBytes",
    options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
    1,
    2 ** 40,
  );
  let pendingBytes = 0;
  let overflow: NatsSlowConsumerError | undefined;
  let closing = false;
  // Messages wait here until the iteration takes them: nats.js calls the callbacks synchronously,
  // in the order the bytes came off the socket, so data and END (which may come on a second
  // subscription) keep their order. Probes are dropped on arrival.
  const pending: Uint8Array[] = [];
  let head = 0;
  let wake: (() => void) | undefined;
  let connectionEnded = false;
  const onMessage = (_error: unknown, m: Msg) => {
    if (m.headers?.has(PROBE_HEADER) || overflow) return;
    if (pending.length - head >= maxPending || pendingBytes + m.data.byteLength > maxPendingBytes) {
      // Past the bound: stop receiving rather than grow; the iteration reports it after what waits.
      overflow = new NatsSlowConsumerError(pending.length - head, pendingBytes);
      void nc.close().catch(() => {});
      wake?.();
      return;
    }
    pendingBytes += m.data.byteLength;
    pending.push(m.data);
    wake?.();
  };
  try {
    // The subscriptions live as long as the connection: shutdown() closes both.
    nc.subscribe(address.subject, {
      callback: onMessage,
      ...(address.queue ? { queue: address.queue } : {}),
    });
    if (address.queue) nc.subscribe(endSubject(address), { callback: onMessage });
    // Flush: when the PONG comes back the server has processed the SUB; from now on every
    // publish through this server reaches us.
    await nc.flush();
    const publishServer = address.servers[0];
    if (publishServer && !sameServers(servers, address.servers)) {
      await waitForInterest(nc, publishServer, address, options.interestTimeoutMs ?? 10_000);
    }
  } catch (error) {
    await nc.close().catch(() => {});
    throw error;
  }
  void nc.closed().then(() => {
    connectionEnded = true;
    wake?.();
  });

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        stats.disconnects++;
        options.onStatus?.("disconnect");
      } else if (status.type === "reconnect") {
        options.onStatus?.("reconnect");
      }
    }
  })();

  const shutdown = async () => {
    if (closing) return;
    closing = true;
    wake?.();
    await nc.close().catch(() => {});
  };

  const done: IteratorResult<Uint8Array> = { done: true, value: undefined };
  // A hand-written iterator rather than an async generator: when messages are waiting, next()
  // returns at once, without the generator's extra promises per message.
  const take = (): IteratorResult<Uint8Array> | undefined => {
    while (head < pending.length) {
      const data = pending[head]!;
      pending[head++] = EMPTY;
      pendingBytes -= data.byteLength;
      if (head >= 4096 && head * 2 >= pending.length) {
        pending.splice(0, head);
        head = 0;
      }
      // DATA (tag 0) is the hot path; anything else goes through core's unwrap (END, or a
      // FrameError for bytes that are not an envelope).
      if (data.byteLength > 0 && data[0] === 0) {
        stats.received++;
        return { done: false, value: data.subarray(ENVELOPE_BYTES) };
      }
      // Not an envelope (a stranger's bytes on an insecure server): dropped and counted.
      let kind: "data" | "end" | undefined;
      try {
        kind = unwrap(data).kind;
      } catch {
        stats.dropped++;
        continue;
      }
      if (kind === "end") {
        void shutdown();
        return done;
      }
    }
    return undefined;
  };
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    for (;;) {
      if (closing) return done;
      const result = take();
      if (result) return result;
      if (overflow) {
        void shutdown();
        throw overflow;
      }
      if (connectionEnded) {
        void shutdown();
        throw new NatsConnectionError(
          "the subscriber's NATS connection closed before the end of the stream",
          "the server is gone and did not come back within the reconnect time; messages published meanwhile are lost",
        );
      }
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
    }
  };

  return {
    stats: () => ({ ...stats }),
    server: () => nc.getServer(),
    [Symbol.asyncIterator]: () => ({
      next,
      return: async () => {
        await shutdown();
        return done;
      },
    }),
    close: shutdown,
  };
}

function authOf(address: NatsAddress): NatsAuth {
  return { ...(address.token ? { token: address.token } : {}), ...(address.tls ? { tls: address.tls } : {}) };
}

function sameServers(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((u, i) => u === b[i]);
}

/**
 * Across a cluster, the SUB reaches the other servers through their routes a little later. A
 * probe (a message with the probe header) published on the publisher's server coming back to
 * us proves that server forwards this subject to us now.
 */
async function waitForInterest(
  nc: NatsConnection,
  publishServer: string,
  address: NatsAddress,
  timeoutMs: number,
): Promise<void> {
  const subject = address.subject;
  const id = randomUUID();
  const seen = new Promise<void>((resolve) => {
    // A second subscription on the same subject, so the probe is seen without consuming `sub`.
    const watch = nc.subscribe(subject, {
      callback: (_err, m) => {
        if (m.headers?.get(PROBE_HEADER) === id) {
          watch.unsubscribe();
          resolve();
        }
      },
    });
  });
  const prober = await natsConnect([publishServer], "ipc-atlas interest probe", authOf(address));
  const h = headers();
  h.set(PROBE_HEADER, id);
  const deadline = Date.now() + timeoutMs;
  let found = false;
  void seen.then(() => {
    found = true;
  });
  try {
    while (!found) {
      if (Date.now() > deadline)
        throw new TimeoutError(`interest for ${subject} reaching ${redactUrl(publishServer)}`, timeoutMs);
      prober.publish(subject, undefined, { headers: h });
      await prober.flush();
      await Promise.race([seen, new Promise((r) => setTimeout(r, 25))]);
    }
  } finally {
    await prober.close().catch(() => {});
  }
}
