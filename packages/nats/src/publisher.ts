/**
 * The publishing side of the NATS pub/sub variants. nats.js `publish` only appends to the
 * client's buffer; what this adds, and why:
 *
 * - Backpressure: the producer keeps at most `WINDOW_BYTES` published-but-unconfirmed; past that
 *   `send` waits for a flush (PING/PONG: the server has processed everything before it). So
 *   producer memory stays bounded, and `send` resolves once the message is in that bounded
 *   window, like a socket buffer.
 * - Outages: while the client is disconnected, `send` waits for the reconnect instead of
 *   publishing into a buffer that nats.js discards on reconnect. Messages published but not
 *   confirmed when the connection dropped are counted as "in doubt" (`stats()`), never hidden.
 * - End of stream: `close()` publishes core's END envelope and flushes, so every subscriber's
 *   iteration ends after the last message. In a queue group END goes to a control subject that
 *   every member hears, because a queued message reaches one member only.
 */

import {
  ClosedError,
  END_MARKER,
  ENVELOPE_BYTES,
  MessageTooLargeError,
  PeerGoneError,
  type Producer,
  wrapData,
} from "@ipc-atlas/core";
import { authOf, endSubject, type NatsAddress, NatsConnectionError, natsConnect } from "./connection.ts";

/** Largest number of bytes published and not yet confirmed by a flush round-trip. */
export const WINDOW_BYTES = 1024 * 1024;
/** A flush is started every this many bytes, so confirmations arrive before the window fills. */
const FLUSH_EVERY_BYTES = WINDOW_BYTES / 4;
/** Accepted messages are handed to nats.js in batches of about this many bytes. */
const BATCH_BYTES = 64 * 1024;
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
