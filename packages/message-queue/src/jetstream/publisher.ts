/**
 * The JetStream queue's producer: sends pipelined within a window of publishes awaiting their
 * PubAck, stored in call order — also across a server restart, a leader failover and a full
 * stream.
 *
 * Every message is published with a `Nats-Msg-Id` of `<producer id>-<sequence>`, and its send
 * resolves when the server's PubAck says it is stored. Why the order holds with a window:
 * - A server stores one connection's publishes in arrival order, so when publishes fail
 *   (timeout, no responders, a dead route to the stream's leader) what was stored is a prefix
 *   of what was sent. The producer then fences: it writes nothing new, lets every publish in
 *   flight settle, and resends the failed ones in call order under their ids (the server drops
 *   ids it already stored) — the first alone, as a probe, the rest pipelined once it is stored.
 * - A reconnect would break the prefix (what the old socket lost comes back after what the new
 *   one carries), so nothing is written while disconnected and a disconnect fences too.
 * - A full stream (DiscardNew) is the hard case: it refuses one publish and may take the next
 *   once a consumer freed room. So the producer keeps its own bound below the stream's limits,
 *   counted from the stream's state (asked for when the room gets short), the acks it has seen
 *   since and what it has in flight; near the limit it sends one at a time, and when there is
 *   no room it waits (backpressure) instead of publishing. A refusal still fences.
 * What cannot be ordered with a window: several producers racing for the last room of a
 * bounded stream, where another producer's publishes take room this one counted as free while
 * its window was open; `stats.reordered` counts those (see README and the tests).
 */

import { ClosedError, END_MARKER, MessageTooLargeError, type Producer, wrapData } from "@ipc-atlas/core";
import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type PubAck,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  connectTo,
  isMissing,
  type JetStreamAddress,
  JetStreamQueueError,
  queueGone,
  randomId,
} from "./connection.ts";
import { STORE_OVERHEAD, StreamRoom } from "./stream-room.ts";

export interface JetStreamProducerOptions {
  /**
   * Names this producer in every message id, `<producerId>-<sequence>`. Default: random. Reuse an
   * id only to resend the same messages (the server drops ids it has seen within the
   * duplicate window); new messages under an old id and sequence would be dropped too.
   */
  producerId?: string;
  /**
   * Publishes awaiting their PubAck at once. Default 128. Sends made without awaiting each
   * other are stored in call order whatever the window (see the file's comment); 1 sends one
   * at a time, a round trip each.
   */
  window?: number;
  /** How long a send keeps retrying while no server answers. Default 30 000 ms. */
  retryForMs?: number;
  /** How long one publish waits for its PubAck before it is retried. Default 2000 ms. */
  ackTimeoutMs?: number;
}

/** What the server said about a stored message. */
export interface SendReceipt {
  /** The message's sequence number in the stream. */
  streamSequence: number;
  /** True when the server had this message id already and dropped the resent message. */
  duplicate: boolean;
  /** The `Nats-Msg-Id` it was published with. */
  msgId: string;
}

/** What the producer went through so far. */
export interface JetStreamProducerStats {
  /** Messages stored (PubAck received). */
  stored: number;
  /** Publishes written again after a failure (under the same id). */
  resent: number;
  /** Times the producer stopped to settle its window after a failure or disconnect. */
  fences: number;
  /** Publishes the stream refused as full. */
  refusedFull: number;
  /** Messages stored ahead of an earlier one of this producer that was refused (see the file's comment). */
  reordered: number;
}

const DEFAULT_WINDOW = 128;

/** One send, from the call until the server stored it or it failed for good. */
interface Pending {
  readonly order: number;
  readonly msgId: string;
  readonly payload: Uint8Array;
  /** At most what it takes in the stream. */
  readonly bytes: number;
  readonly resolve: (receipt: SendReceipt) => void;
  readonly reject: (error: unknown) => void;
  /** When it first failed: the retry deadline counts from here. */
  failedAt: number | undefined;
  /** The server said for certain that it is not stored (stream full, no responders). */
  refused: boolean;
}

const isFull = (error: unknown) =>
  error instanceof JetStreamApiError && /maximum (messages|bytes) exceeded/i.test(error.message);

/** The `protocol.connected` flag of a nats.js connection: false from a disconnect until the reconnect. */
function isConnected(nc: NatsConnection): boolean {
  return (nc as unknown as { protocol?: { connected?: boolean } }).protocol?.connected !== false;
}

/** Publishes to the queue; a send resolves when the server has stored the message (PubAck). */
export class JetStreamProducer implements Producer {
  readonly producerId: string;
  readonly stats: JetStreamProducerStats = { stored: 0, resent: 0, fences: 0, refusedFull: 0, reordered: 0 };
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #address: JetStreamAddress;
  readonly #room: StreamRoom;
  readonly #window: number;
  readonly #retryForMs: number;
  readonly #ackTimeoutMs: number;
  /** Not written yet, in call order (failed ones go back to the front). */
  #queue: Pending[] = [];
  /** Where the queue starts: taking from the front moves an index, not the whole array. */
  #head = 0;
  readonly #inflight = new Set<Pending>();
  /** Failed and waiting for the fence to end. */
  #failed: Pending[] = [];
  /** Nothing new is written until every publish in flight settled. */
  #fenced = false;
  /** After a fence: one publish at a time until one is stored. */
  #probing = false;
  /** The pause before the fence's resend, or the wait for room. */
  #paused: NodeJS.Timeout | undefined;
  /** Running while the connection is down: the send deadline. */
  #offline: NodeJS.Timeout | undefined;
  #failures = 0;
  /** Waits for room in a row: the look at the stream's state backs off while it stays full. */
  #roomWaits = 0;
  #order = 0;
  #sequence = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #idle: Array<() => void> = [];

  private constructor(
    nc: NatsConnection,
    jsm: JetStreamManager,
    address: JetStreamAddress,
    limits: { maxBytes: number; maxMessages: number },
    options: JetStreamProducerOptions,
  ) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#address = address;
    this.#room = new StreamRoom(jsm, address.stream, limits);
    this.producerId = options.producerId ?? randomId();
    this.#window = Math.max(1, Math.floor(options.window ?? DEFAULT_WINDOW));
    this.#retryForMs = options.retryForMs ?? 30_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 2000;
    void this.#watchConnection();
  }

  static async connect(
    address: JetStreamAddress,
    options: JetStreamProducerOptions = {},
  ): Promise<JetStreamProducer> {
    const nc = await connectTo(address.servers, "producer", address.token);
    try {
      const jsm = await jetstreamManager(nc);
      const { config } = await jsm.streams.info(address.stream);
      const limits = { maxBytes: config.max_bytes ?? -1, maxMessages: config.max_msgs ?? -1 };
      return new JetStreamProducer(nc, jsm, address, limits, options);
    } catch (error) {
      await nc.close().catch(() => {});
      throw isMissing(error) ? queueGone(address, error) : error;
    }
  }

  /** Stores one message in the queue: resolves once the server stored it (see `publish`). */
  send(message: Uint8Array): Promise<void> {
    return this.publish(message) as Promise<unknown> as Promise<void>;
  }

  /**
   * Stores one message in the queue and says where. `msgId` overrides the generated
   * `<producerId>-<sequence>`; the server drops a message whose id it stored within the
   * duplicate window (the receipt says `duplicate: true`). While the stream is full the
   * publish waits; while no server answers it retries with the same id for `retryForMs`, so a
   * retry never stores twice.
   */
  publish(message: Uint8Array, options: { msgId?: string } = {}): Promise<SendReceipt> {
    if (this.#closed) return Promise.reject(new ClosedError("JetStream producer"));
    const limit = this.#address.maxMessageSize;
    if (message.byteLength > limit) {
      return Promise.reject(
        new MessageTooLargeError(message.byteLength, limit, `the JetStream queue ${this.#address.stream}`),
      );
    }
    return this.#enqueue(wrapData(message), options.msgId ?? `${this.producerId}-${++this.#sequence}`);
  }

  /** Sends the END marker after every message sent so far, then disconnects. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      try {
        await this.#enqueue(END_MARKER, `${this.producerId}-${++this.#sequence}`).catch(() => {});
        await this.#settledAll();
      } finally {
        clearTimeout(this.#paused);
        clearTimeout(this.#offline);
        await this.#nc.close().catch(() => {});
      }
    })();
    return this.#closing;
  }

  #enqueue(payload: Uint8Array, msgId: string): Promise<SendReceipt> {
    return new Promise<SendReceipt>((resolve, reject) => {
      this.#queue.push({
        order: this.#order++,
        msgId,
        payload,
        bytes: STORE_OVERHEAD + this.#address.subject.length + msgId.length + payload.byteLength,
        resolve,
        reject,
        failedAt: undefined,
        refused: false,
      });
      // Written here, synchronously when the window has room: calls made without awaiting
      // each other reach the connection in call order.
      this.#pump();
    });
  }

  /** Writes what the window, the stream's room and the connection allow, in order. */
  #pump(): void {
    if (this.#paused) return;
    if (!isConnected(this.#nc)) {
      this.#fence();
      this.#giveUpUnlessReconnected();
      return;
    }
    if (this.#fenced) {
      if (this.#inflight.size > 0) return; // settle first
      this.#fenced = false;
      if (this.#failed.length > 0) {
        // Resend in call order, ahead of everything not written yet.
        this.#failed.sort((a, b) => a.order - b.order);
        this.#queue = [...this.#failed, ...this.#queue.slice(this.#head)];
        this.#head = 0;
        this.#failed = [];
        this.#probing = true;
      }
    }
    while (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head]!;
      const room = this.#room.check(next.bytes, this.#window);
      const cap = this.#probing || room !== "yes" ? 1 : this.#window;
      if (this.#inflight.size >= cap) break;
      if (room === "short") void this.#room.refresh(20);
      if (room === "no") {
        // No room for sure: wait for consumers (backpressure), looking at the stream again.
        if (this.#inflight.size === 0)
          this.#pause(this.#room.refresh(Math.min(5 * 2 ** this.#roomWaits++, 50)));
        break;
      }
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#write(next);
    }
    if (this.#head === this.#queue.length && this.#inflight.size === 0 && this.#failed.length === 0) {
      for (const wake of this.#idle.splice(0)) wake();
    }
  }

  #write(pending: Pending): void {
    if (pending.failedAt !== undefined) this.stats.resent++;
    this.#inflight.add(pending);
    this.#room.written(pending.bytes);
    this.#js
      .publish(this.#address.subject, pending.payload, { msgID: pending.msgId, timeout: this.#ackTimeoutMs })
      .then(
        (ack) => this.#stored(pending, ack),
        (error: unknown) => this.#failedOnce(pending, error),
      );
  }

  #stored(pending: Pending, ack: PubAck): void {
    this.#inflight.delete(pending);
    this.#room.settled(pending.bytes, ack);
    this.stats.stored++;
    this.#failures = 0;
    this.#roomWaits = 0;
    this.#probing = false;
    // Stored while an earlier one was refused for certain: the one order a window can lose.
    if (!ack.duplicate && this.#failed.some((f) => f.refused && f.order < pending.order))
      this.stats.reordered++;
    pending.resolve({ streamSequence: ack.seq, duplicate: ack.duplicate, msgId: pending.msgId });
    this.#pump();
  }

  #failedOnce(pending: Pending, error: unknown): void {
    this.#inflight.delete(pending);
    this.#room.settled(pending.bytes);
    if (this.#nc.isClosed()) {
      this.#failAll(pending, new ClosedError("JetStream producer's connection"));
      return;
    }
    const full = isFull(error);
    pending.failedAt ??= Date.now();
    // Gone for good (the stream was deleted, the message is too large for it), or nobody stored
    // it in retryForMs: the send fails. Anything else is retried under the same id.
    const fatal = isMissing(error) || (error instanceof JetStreamApiError && error.code === 10054);
    if (fatal || (!full && Date.now() - pending.failedAt > this.#retryForMs)) {
      pending.reject(
        new JetStreamQueueError(
          "EPUBLISH",
          `message ${pending.msgId} was not stored in ${this.#address.stream}: ${(error as Error).message}`,
          "check that nats-server runs with JetStream and the queue is open; resending with the same id is safe",
          { cause: error },
        ),
      );
      this.#pump();
      return;
    }
    if (full) this.stats.refusedFull++;
    // The server answered without storing it (full, no stream leader, no responders): a later
    // publish stored now would be out of order. A timeout leaves it open.
    pending.refused = error instanceof JetStreamApiError || (error as Error).name === "JetStreamNotEnabled";
    this.#failed.push(pending);
    this.#fence();
    if (this.#inflight.size === 0) {
      // Everything settled: resend after a pause, short for a full stream (a consumer frees
      // room soon), growing while the servers do not answer.
      this.#failures++;
      const delay = full ? 5 : Math.min(20 * 2 ** (this.#failures - 1), 500);
      this.#pause(
        full ? this.#room.refresh(delay) : new Promise<void>((resolve) => setTimeout(resolve, delay)),
      );
    }
  }

  /** The connection is closed: every send not stored yet fails. */
  #failAll(pending: Pending, error: Error): void {
    pending.reject(error);
    for (const p of this.#dropWaiting()) p.reject(error);
    if (this.#inflight.size === 0) for (const wake of this.#idle.splice(0)) wake();
  }

  /** Sends waiting while no server answers fail after retryForMs, as a publish that keeps timing out does. */
  #giveUpUnlessReconnected(): void {
    if (this.#offline) return;
    this.#offline = setTimeout(() => {
      this.#offline = undefined;
      if (isConnected(this.#nc) || this.#nc.isClosed()) return;
      const error = new JetStreamQueueError(
        "EPUBLISH",
        `no NATS server answered for ${this.#retryForMs} ms; ${this.#queue.length - this.#head + this.#failed.length} messages were not stored in ${this.#address.stream}`,
        "check that nats-server runs (the client keeps reconnecting); resending with the same ids is safe",
      );
      for (const p of this.#dropWaiting()) p.reject(error);
      if (this.#inflight.size === 0) for (const wake of this.#idle.splice(0)) wake();
    }, this.#retryForMs);
    this.#offline.unref();
  }

  /** Takes every send not written yet (failed ones first, in call order) out of the producer. */
  #dropWaiting(): Pending[] {
    const waiting = [
      ...this.#failed.splice(0).sort((a, b) => a.order - b.order),
      ...this.#queue.slice(this.#head),
    ];
    this.#queue = [];
    this.#head = 0;
    return waiting;
  }

  #fence(): void {
    if (!this.#fenced) this.stats.fences++;
    this.#fenced = true;
  }

  /** Writes nothing until `until` resolves, then pumps. */
  #pause(until: Promise<void>): void {
    if (this.#paused) return;
    // A timer marks the pause (and keeps the process alive while sends wait).
    this.#paused = setTimeout(() => {}, 2 ** 30);
    void until.then(() => {
      clearTimeout(this.#paused);
      this.#paused = undefined;
      this.#pump();
    });
  }

  /** A disconnect fences at once; the reconnect lets the fence end. */
  async #watchConnection(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === "disconnect" || status.type === "staleConnection") this.#fence();
      else if (status.type === "reconnect") {
        clearTimeout(this.#offline);
        this.#offline = undefined;
        this.#pump();
      }
    }
  }

  /** Resolves when every send so far was stored or failed for good. */
  #settledAll(): Promise<void> {
    if (this.#head === this.#queue.length && this.#inflight.size === 0 && this.#failed.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
