/**
 * The subscribing side of the NATS pub/sub variants. What this adds to a nats.js subscription,
 * and why:
 *
 * - Readiness: `natsConsumer()` resolves only after the server has the subscription (a flush
 *   round-trip after SUB) and, when the producer uses another server of the cluster, after
 *   that server has learnt the interest through its routes (a probe published there has come
 *   back). Before that, a publish would be dropped for lack of interest.
 * - Bounded memory: subscribers get messages pushed, and they wait in the subscriber's process
 *   until the iteration takes them, so a subscriber that is slow to iterate costs its own
 *   memory, not the publisher's, and at most `maxPending` messages / `maxPendingBytes` of it:
 *   past that the iteration fails with `NatsSlowConsumerError` instead of growing. A subscriber
 *   whose process stops reading its socket is cut off by the server (slow consumer) and misses
 *   what was published meanwhile: core NATS is at-most-once.
 * - Strangers: a message that is not an ipc-atlas envelope is dropped and counted, never fatal.
 */

import { randomUUID } from "node:crypto";
import {
  AsyncQueue,
  type Consumer,
  checkLimit,
  ENVELOPE_BYTES,
  IpcError,
  redactUrl,
  registerErrorClass,
  TimeoutError,
  unwrap,
} from "@ipc-atlas/core";
import { headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import {
  authOf,
  endSubject,
  type NatsAddress,
  NatsConnectionError,
  natsConnect,
  PROBE_HEADER,
} from "./connection.ts";

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
  // Messages wait here until the iteration takes them: nats.js calls the callbacks synchronously,
  // in the order the bytes came off the socket, so data and END (which may come on a second
  // subscription) keep their order. Probes are dropped on arrival. The queue ends in one of three
  // ways: close() (END taken, or the consumer closed), fail(NatsSlowConsumerError) past the
  // bound, or fail(NatsConnectionError) when the connection is gone for good; a failure reaches
  // the iteration after the messages that arrived before it.
  const pending = new AsyncQueue<Uint8Array>();
  // Counted from the callback until next() returns the message, not by the queue's length: a
  // message handed to a parked next() still waits until that next() resumes, after this
  // synchronous burst of callbacks, so it counts against the bound too.
  let pendingCount = 0;
  let pendingBytes = 0;
  let closing = false;
  const onMessage = (_error: unknown, m: Msg) => {
    if (m.headers?.has(PROBE_HEADER) || pending.settled) return;
    if (pendingCount >= maxPending || pendingBytes + m.data.byteLength > maxPendingBytes) {
      // Past the bound: stop receiving rather than grow; the iteration reports it after what waits.
      pending.fail(new NatsSlowConsumerError(pendingCount, pendingBytes));
      void nc.close().catch(() => {});
      return;
    }
    pendingCount++;
    pendingBytes += m.data.byteLength;
    pending.push(m.data);
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
    pending.fail(
      new NatsConnectionError(
        "the subscriber's NATS connection closed before the end of the stream",
        "the server is gone and did not come back within the reconnect time; messages published meanwhile are lost",
      ),
    );
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
    pending.close();
    await nc.close().catch(() => {});
  };

  const done: IteratorResult<Uint8Array> = { done: true, value: undefined };
  // A hand-written iterator rather than an async generator: when messages are waiting, next()
  // takes one at once (shift), without the generator's extra promises per message.
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    for (;;) {
      let data = pending.shift();
      if (data === undefined) {
        let result: IteratorResult<Uint8Array, undefined>;
        try {
          result = await pending.next();
        } catch (error) {
          void shutdown();
          throw error;
        }
        if (result.done) return done;
        data = result.value;
      }
      pendingCount--;
      pendingBytes -= data.byteLength;
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
