/**
 * The JetStream queue's consumer: pulls a bounded batch ahead of the application from the
 * queue's durable pull consumer and acks a message when the application takes the next one
 * (or closes), so a consumer that dies while processing — even by `kill -9` — leaves its
 * messages unacked and the server redelivers them after `ack_wait`: at-least-once, with
 * duplicates bounded by what a dead consumer held. While it lives it tells the server it is
 * still working on what it holds, so a slow consumer never gets its own messages redelivered
 * behind its back. The producer's END marker ends the iteration only once nothing sent before
 * it can still come back.
 */

import { AsyncQueue, type Consumer, unwrap } from "@ipc-atlas/core";
import {
  type ConsumerMessages,
  type Consumer as JsConsumer,
  type JsMsg,
  jetstream,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import {
  connectTo,
  isMissing,
  type JetStreamAddress,
  JetStreamQueueError,
  queueGone,
  sleep,
} from "./connection.ts";

export interface JetStreamConsumerOptions {
  /** Messages pulled ahead of the application. Default 64 (at most the queue's maxAckPending). */
  prefetch?: number;
}

/** One message handed to the application by `receive()`; ack it when it is processed. */
export interface JetStreamDelivery {
  readonly data: Uint8Array;
  readonly streamSequence: number;
  /** How many times the server has delivered this message (1 the first time). */
  readonly deliveryCount: number;
  /**
   * Delivered before: the server says so, or this consumer already handed out this stream
   * sequence (after a consumer leader dies, nats-server 2.9 can deliver a message again
   * without its redelivered flag; a work queue's first deliveries to one consumer come in
   * stream order, so a sequence at or below the highest one handed out is a redelivery).
   */
  readonly redelivered: boolean;
  readonly msgId: string | undefined;
  /** Acks the message and resolves when the server confirmed it: it will not come back. */
  ack(): Promise<void>;
  /** Gives the message back for redelivery (after `delayMs`). */
  nak(delayMs?: number): void;
}

const DEFAULT_PREFETCH = 64;
/** A pull request stays open this long before the consumer renews it (the server's minimum is 1 s). */
const FETCH_EXPIRES_MS = 5000;
/** How often the server tells a waiting pull request it is alive. */
const PULL_HEARTBEAT_MS = 1000;
/** How soon an END marker that arrived before earlier messages were acked is looked at again. */
const END_RECHECK_MS = 100;

export class JetStreamConsumer implements Consumer {
  readonly #nc: NatsConnection;
  readonly #consumer: JsConsumer;
  readonly #address: JetStreamAddress;
  readonly #prefetch: number;
  /** The highest stream sequence `receive()` handed out (see JetStreamDelivery.redelivered). */
  #highestHandedOut = 0;
  /** Delivered to this process, not yet handed out; receive() and the iterator park in it. */
  readonly #buffer = new AsyncQueue<JsMsg>();
  /**
   * Delivered to this process and neither acked nor given back: buffered, handed to the
   * application, or the END marker being looked at. What the heartbeat keeps "in progress".
   */
  readonly #holding = new Set<JsMsg>();
  /** What the iterator handed out last; acked when the next one is asked for. */
  #current: JsMsg | undefined;
  /** Pull requests sent, read in order by #drain (at most two). */
  readonly #pulls: Array<{ pull: Promise<ConsumerMessages>; count: number }> = [];
  /** Messages asked for and not delivered yet. */
  #onTheirWay = 0;
  #draining = false;
  /** The pull requests' iterators (a set, so that closing never misses one). */
  readonly #fetches = new Set<ConsumerMessages>();
  #failure: Error | undefined;
  #ended = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #heartbeat: NodeJS.Timeout;

  private constructor(
    nc: NatsConnection,
    consumer: JsConsumer,
    address: JetStreamAddress,
    ackWaitMs: number,
    prefetch: number,
  ) {
    this.#nc = nc;
    this.#consumer = consumer;
    this.#address = address;
    this.#prefetch = prefetch;
    // While this process lives, what it holds is "in progress": the server must not hand it to
    // another consumer. Only a consumer that died lets ack_wait run out.
    this.#heartbeat = setInterval(
      () => {
        for (const m of this.#holding) m.working();
      },
      Math.max(200, ackWaitMs / 3),
    );
    this.#heartbeat.unref();
    this.#refill();
  }

  /** Attaches to the queue's durable consumer; resolves once it is ready to pull. */
  static async connect(
    address: JetStreamAddress,
    options: JetStreamConsumerOptions = {},
  ): Promise<JetStreamConsumer> {
    const nc = await connectTo(address.servers, "consumer", address.token);
    try {
      const consumer = await jetstream(nc).consumers.get(address.stream, address.consumer);
      const info = await consumer.info(true);
      const ackWaitMs = (info.config.ack_wait ?? nanos(30_000)) / 1e6;
      const prefetch = Math.max(
        1,
        Math.min(options.prefetch ?? DEFAULT_PREFETCH, info.config.max_ack_pending ?? Infinity),
      );
      return new JetStreamConsumer(nc, consumer, address, ackWaitMs, prefetch);
    } catch (error) {
      await nc.close().catch(() => {});
      throw isMissing(error) ? queueGone(address, error) : error;
    }
  }

  /**
   * The next message, which the application must ack (or nak); null once the producer's END
   * arrived after every earlier message was acked, or after close().
   */
  async receive(): Promise<JetStreamDelivery | null> {
    const m = await this.#take();
    if (!m) return null;
    const holding = this.#holding;
    const seenBefore = m.msg.seq <= this.#highestHandedOut;
    if (m.msg.seq > this.#highestHandedOut) this.#highestHandedOut = m.msg.seq;
    return {
      data: m.data,
      streamSequence: m.msg.seq,
      deliveryCount: m.msg.info.deliveryCount,
      redelivered: m.msg.redelivered || seenBefore,
      msgId: m.msg.headers?.get("Nats-Msg-Id") || undefined,
      async ack() {
        holding.delete(m.msg);
        if (!(await m.msg.ackAck())) {
          throw new JetStreamQueueError(
            "EACK",
            `the server did not confirm the ack of message ${m.msg.seq}`,
            "the message may be redelivered; make processing idempotent",
          );
        }
      },
      nak(delayMs) {
        holding.delete(m.msg);
        m.msg.nak(delayMs);
      },
    };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for (;;) {
        const m = await this.#take();
        if (!m) return;
        this.#current = m.msg;
        yield m.data;
        // The application asked for the next message: it is done with this one.
        this.#ackCurrent();
      }
    } finally {
      this.#ackCurrent();
    }
  }

  /**
   * Acks what the iterator handed out, gives back what was pulled ahead (for immediate
   * redelivery) and what `receive()` handed out unacked, and disconnects. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      clearInterval(this.#heartbeat);
      this.#ackCurrent();
      // What is left was pulled ahead or handed out by receive() and not acked: give it back.
      for (const m of this.#holding) m.nak();
      this.#holding.clear();
      this.#buffer.close(); // parked takers end: receive() resolves null
      await this.#stopFetching();
      await this.#nc.flush().catch(() => {});
      await this.#nc.close().catch(() => {});
    })();
    return this.#closing;
  }

  #ackCurrent(): void {
    if (!this.#current) return;
    this.#current.ack();
    this.#holding.delete(this.#current);
    this.#current = undefined;
  }

  /**
   * Keeps at most `prefetch` messages here or on their way. When half of them were taken, the
   * next pull request is sent while the current one still delivers, so no round trip to the
   * consumer's leader is waited for between batches. Two pulls at once stay in order: the
   * server fills pull requests first come first served, and one loop reads their iterators one
   * after the other (reading both at once could interleave their messages).
   */
  #refill(): void {
    if (this.#closed || this.#ended || this.#failure || this.#pulls.length >= 2) return;
    const room = this.#prefetch - this.#buffer.length - this.#onTheirWay;
    if (room < this.#prefetch / 2) return;
    this.#onTheirWay += room;
    // Heartbeats from the server while a pull waits: a pull to a leader that died fails within
    // two missed beats instead of waiting out its expiry, and the next pull finds the new leader.
    const pull = this.#consumer.fetch({
      max_messages: room,
      expires: FETCH_EXPIRES_MS,
      idle_heartbeat: PULL_HEARTBEAT_MS,
    });
    pull.catch(() => {}); // read (and its failure handled) in #drain
    this.#pulls.push({ pull, count: room });
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#pulls.length > 0) {
      const { pull, count } = this.#pulls[0]!;
      let batch: ConsumerMessages | undefined;
      let got = 0;
      let failed = false;
      try {
        batch = await pull;
        this.#fetches.add(batch);
        for await (const m of batch) {
          got++;
          this.#onTheirWay--;
          if (this.#closed || this.#ended) {
            m.nak();
            continue;
          }
          this.#holding.add(m);
          this.#buffer.push(m); // to the oldest parked taker, if one waits
          this.#refill();
        }
      } catch (error) {
        failed = true;
        if (!this.#closed && !this.#ended) {
          // A pull fails during a server restart, or for good when the queue was deleted.
          const missing = await this.#consumer.info().then(
            () => false,
            (e: unknown) => isMissing(e),
          );
          if (missing) {
            this.#failure = queueGone(this.#address, error);
            this.#buffer.fail(this.#failure); // takers get it once the buffered messages are taken
          }
        }
      } finally {
        if (batch) this.#fetches.delete(batch);
        this.#onTheirWay -= count - got; // what this pull will no longer bring
        this.#pulls.shift();
      }
      if (this.#failure) break;
      if (failed) await sleep(250);
      this.#refill();
    }
    this.#draining = false;
  }

  async #stopFetching(): Promise<void> {
    const open = await Promise.all(this.#pulls.map((p) => p.pull.catch(() => undefined)));
    const all = new Set([...this.#fetches, ...open.filter((b) => b !== undefined)]);
    await Promise.all([...all].map((batch) => batch.close().catch(() => {})));
  }

  async #take(): Promise<{ msg: JsMsg; data: Uint8Array } | null> {
    for (;;) {
      if (this.#closed || this.#ended) return null;
      let msg = this.#buffer.shift();
      if (!msg) {
        const next = await this.#buffer.next(); // rejects with #failure once the buffer is drained
        if (next.done) return null; // closed, or ended by another taker
        msg = next.value;
        if (this.#closed || this.#ended) {
          if (this.#holding.has(msg)) this.#giveBack(msg); // close() may have given it back already
          return null;
        }
      }
      this.#refill();
      let envelope: ReturnType<typeof unwrap>;
      try {
        envelope = unwrap(msg.data);
      } catch (error) {
        msg.term(); // not ours: never deliver it again
        this.#holding.delete(msg);
        throw error;
      }
      if (envelope.kind === "data") return { msg, data: envelope.data };
      if (await this.#isFinalEnd(msg)) {
        this.#ended = true;
        await this.#stopFetching();
        for (let m = this.#buffer.shift(); m; m = this.#buffer.shift()) this.#giveBack(m);
        this.#buffer.end(); // other parked takers end too
        return null;
      }
    }
  }

  /**
   * The END marker ends the iteration only once nothing sent before it can still arrive: a
   * consumer that died left messages that come back only when their ack_wait runs out, after
   * END. Until then END goes back to the server and is looked at again.
   */
  async #isFinalEnd(end: JsMsg): Promise<boolean> {
    if (this.#buffer.length > 0) {
      // Earlier messages are still here: take them first (a failed buffer takes nothing more).
      if (this.#buffer.settled) this.#giveBack(end);
      else this.#buffer.push(end);
      return false;
    }
    this.#ackCurrent();
    try {
      await this.#nc.flush();
      const info = await this.#consumer.info();
      // Unacked here and counted by the server: END and what receive() handed out. Messages
      // that arrived in the buffer meanwhile count as "others": they are to be taken first.
      const othersUnacked = info.num_ack_pending - (this.#holding.size - this.#buffer.length);
      if (othersUnacked <= 0 && info.num_pending === 0) {
        end.ack();
        this.#holding.delete(end);
        await this.#nc.flush();
        return true;
      }
    } catch {
      // The server is unreachable for a moment: look again later.
    }
    this.#giveBack(end, END_RECHECK_MS);
    return false;
  }

  /** Gives a message back to the server for redelivery (after `delayMs`). */
  #giveBack(msg: JsMsg, delayMs?: number): void {
    this.#holding.delete(msg);
    msg.nak(delayMs);
  }
}
