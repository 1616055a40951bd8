/**
 * The message queue past one host: a NATS JetStream work-queue stream with explicit acks,
 * behind the same Producer/Consumer interface as the POSIX queue.
 *
 * The queue is one stream with WorkQueue retention (a message is deleted once it is acked)
 * and one durable pull consumer that every consumer process attaches to. A producer publishes
 * each message with a `Nats-Msg-Id` of `<producer id>-<sequence>` and its send resolves when
 * the server's PubAck says the message is stored; a resent id within the stream's duplicate
 * window is dropped by the server. A consumer pulls a bounded batch ahead of the application
 * and acks a message when the application takes the next one (or closes), so a consumer that
 * dies while processing — even by `kill -9` — leaves its messages unacked and the server
 * redelivers them after `ack_wait`. That makes the queue at-least-once: nothing stored is lost,
 * and duplicates are bounded by the messages a dead consumer held unacked. While a consumer
 * lives it tells the server it is still working on what it holds, so a slow consumer never
 * gets its own messages redelivered behind its back.
 */

import { randomBytes } from "node:crypto";
import {
  ClosedError,
  type Consumer,
  END_MARKER,
  type Endpoint,
  IpcError,
  MessageTooLargeError,
  type Narrator,
  type OpenOptions,
  type Producer,
  redactUrl,
  registerErrorClass,
  spawnScript,
  taxonomy,
  unwrap,
  type Variant,
  wrapData,
} from "@ipc-atlas/core";
import { type NatsServer, natsConnectOptions, natsUrlsFromEnv, startNatsServer } from "@ipc-atlas/nats";
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type Consumer as JsConsumer,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";

/** Where producers and consumers attach: plain JSON, so it crosses processes and hosts. */
export interface JetStreamAddress {
  /** NATS server URLs (any node of a cluster will do). */
  servers: string[];
  /** The work-queue stream that holds the messages. */
  stream: string;
  /** The subject producers publish to; the stream captures it. */
  subject: string;
  /** The durable pull consumer every consumer process shares. */
  consumer: string;
  /** Largest application message a send accepts. */
  maxMessageSize: number;
}

export interface JetStreamQueueOptions {
  /** Servers to use. Default: NATS_URL when set, else a JetStream-enabled nats-server started for this queue. */
  servers?: string[];
  /** Stream name. Default `ipc-atlas-queue-<random>`. The stream is created here and deleted by close(). */
  stream?: string;
  /** How long the server waits for an ack before it redelivers a message. Default 5000 ms. */
  ackWaitMs?: number;
  /** Most messages delivered and not yet acked, across all consumers: the unacked window. Default 256. */
  maxAckPending?: number;
  /** Most messages the stream holds; while it is full a send waits. Default: no count limit. */
  capacity?: number;
  /**
   * Most bytes the stream holds (messages with their subject and headers); while it is full a
   * send waits. Default 4 MiB (some 30,000 small messages): enough for a burst, small enough
   * that a producer outrunning its consumers is held back early, like the POSIX queue's small
   * kernel limit, instead of filling the disk. 0 for no limit.
   */
  maxBytes?: number;
  /** Largest message the caller means to send. Default: what the server carries (max_payload) less headers. */
  maxMessageSize?: number;
  /** Stream storage. "file" (default) survives a server restart; "memory" does not. */
  storage?: "file" | "memory";
  /** Copies of the stream in a JetStream cluster. Default 1. */
  replicas?: number;
  /** How long the server remembers message ids to drop resent messages. Default 120 000 ms. */
  duplicateWindowMs?: number;
}

export interface JetStreamProducerOptions {
  /**
   * Names this producer in every message id, `<producerId>-<sequence>`. Default: random. Reuse an
   * id only to resend the same messages (the server drops ids it has seen within the
   * duplicate window); new messages under an old id and sequence would be dropped too.
   */
  producerId?: string;
  /**
   * Publishes awaiting their PubAck at once. Default 1: a pipelined publish that the server
   * rejects (stream full) or does not ack in time is retried, and by then a later one may have
   * been stored — so only one at a time keeps sends made without awaiting in call order, as the
   * Producer contract promises. Raise it for throughput when order does not matter.
   */
  window?: number;
  /** How long a send keeps retrying while no server answers. Default 30 000 ms. */
  retryForMs?: number;
  /** How long one publish waits for its PubAck before it is retried. Default 2000 ms. */
  ackTimeoutMs?: number;
}

export interface JetStreamConsumerOptions {
  /** Messages pulled ahead of the application. Default 64 (at most the queue's maxAckPending). */
  prefetch?: number;
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

/** One message handed to the application by `receive()`; ack it when it is processed. */
export interface JetStreamDelivery {
  readonly data: Uint8Array;
  readonly streamSequence: number;
  /** How many times the server has delivered this message (1 the first time). */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  readonly msgId: string | undefined;
  /** Acks the message and resolves when the server confirmed it: it will not come back. */
  ack(): Promise<void>;
  /** Gives the message back for redelivery (after `delayMs`). */
  nak(delayMs?: number): void;
}

/** A snapshot of the queue as the server sees it. */
export interface JetStreamQueueInfo {
  /** Messages in the stream: not yet acked (delivered or not). */
  messages: number;
  /** Messages no consumer has been given yet. */
  pending: number;
  /** Messages delivered and not yet acked. */
  ackPending: number;
  /** Messages delivered more than once so far. */
  redelivered: number;
}

/** A JetStream queue failure that is not one of core's errors: no JetStream, the stream gone, ... */
export class JetStreamQueueError extends IpcError {
  constructor(
    code: string,
    message: string,
    hint: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { hint, ...options });
  }
}
registerErrorClass(JetStreamQueueError);

const DEFAULT_ACK_WAIT_MS = 5000;
const DEFAULT_MAX_ACK_PENDING = 256;
const DEFAULT_PREFETCH = 64;
const DEFAULT_WINDOW = 1;
const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
/** Room kept in each NATS message for the envelope byte and the Nats-Msg-Id header. */
const HEADER_ROOM = 1024;
/** A pull request stays open this long before the consumer renews it (the server's minimum is 1 s). */
const FETCH_EXPIRES_MS = 5000;
/** How soon an END marker that arrived before earlier messages were acked is looked at again. */
const END_RECHECK_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function randomId(): string {
  return randomBytes(6).toString("hex");
}

async function connectTo(servers: string[], role: string): Promise<NatsConnection> {
  try {
    return await connect({
      // Credentials in the URLs (NATS_URL's user:pass@ or token@) go to nats.js as options.
      ...natsConnectOptions(servers),
      name: `ipc-atlas jetstream ${role} (pid ${process.pid})`,
      // Keep reconnecting through a server restart; the queue's durability is the point.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // No stack trace captured per request: a queue publishes many.
      noAsyncTraces: true,
    });
  } catch (error) {
    throw new JetStreamQueueError(
      "ECONNREFUSED",
      `could not connect to NATS at ${servers.map(redactUrl).join(", ")}: ${(error as Error).message}`,
      "start nats-server with JetStream (nats-server -js), or unset NATS_URL to let ipc-atlas start one",
      { cause: error },
    );
  }
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError && (error.code === 10014 || error.code === 10059) // consumer not found, stream not found
  );
}

function queueGone(address: JetStreamAddress, cause?: unknown): JetStreamQueueError {
  return new JetStreamQueueError(
    "ENOQUEUE",
    `the JetStream queue ${address.stream} (consumer ${address.consumer}) does not exist`,
    "open the queue first (JetStreamQueue.open); it is deleted when its endpoint is closed",
    { cause },
  );
}

/**
 * The queue itself: a work-queue stream and its durable consumer, on servers it found or
 * started. This is the variant's Endpoint.
 */
export class JetStreamQueue implements Endpoint<JetStreamAddress> {
  readonly address: JetStreamAddress;
  readonly maxMessageSize: number;
  /** The nats-server started for this queue, when no servers were given. */
  readonly server: NatsServer | undefined;
  readonly #nc: NatsConnection;
  #closing: Promise<void> | undefined;

  private constructor(address: JetStreamAddress, nc: NatsConnection, server: NatsServer | undefined) {
    this.address = address;
    this.maxMessageSize = address.maxMessageSize;
    this.#nc = nc;
    this.server = server;
  }

  /** Creates the stream and its consumer, starting a JetStream nats-server unless servers are given or NATS_URL is set. */
  static async open(options: JetStreamQueueOptions = {}): Promise<JetStreamQueue> {
    const given = options.servers ?? natsUrlsFromEnv();
    const server = given ? undefined : await startNatsServer({ jetstream: true });
    const servers = given ?? [server!.url];
    let nc: NatsConnection | undefined;
    try {
      nc = await connectTo(servers, "admin");
      const jsm = await jetstreamManager(nc).catch((error: unknown) => {
        throw (error as Error).name === "JetStreamNotEnabled"
          ? new JetStreamQueueError(
              "ENOJETSTREAM",
              `JetStream is not enabled on ${servers.map(redactUrl).join(", ")}`,
              "start nats-server with -js (and a store directory: -sd DIR)",
              { cause: error },
            )
          : error;
      });
      const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
      // A message must fit both one NATS message and, when the stream is bounded, the stream.
      const serverLimit = nc.info!.max_payload - HEADER_ROOM;
      const limit = maxBytes > 0 ? Math.min(serverLimit, maxBytes - HEADER_ROOM) : serverLimit;
      const maxMessageSize = options.maxMessageSize ?? limit;
      if (maxMessageSize > limit) {
        throw new JetStreamQueueError(
          "EMSGSIZE",
          limit === serverLimit
            ? `messages of ${maxMessageSize} bytes do not fit: the server carries ${nc.info!.max_payload} bytes (max_payload), ${HEADER_ROOM} of them kept for headers`
            : `messages of ${maxMessageSize} bytes do not fit a stream of ${maxBytes} bytes (maxBytes), ${HEADER_ROOM} of them kept for headers`,
          limit === serverLimit
            ? "raise max_payload in the nats-server configuration (up to 64 MB), or send smaller messages"
            : "raise maxBytes, or send smaller messages",
        );
      }
      const stream = options.stream ?? `ipc-atlas-queue-${randomId()}`;
      const subject = `ipc-atlas.queue.${stream}`;
      const consumer = "consumers";
      await jsm.streams.add({
        name: stream,
        subjects: [subject],
        retention: RetentionPolicy.Workqueue,
        storage: options.storage === "memory" ? StorageType.Memory : StorageType.File,
        num_replicas: options.replicas ?? 1,
        duplicate_window: nanos(options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
        // A bounded queue refuses new messages when full, and the producer waits and retries.
        discard: DiscardPolicy.New,
        ...(options.capacity ? { max_msgs: options.capacity } : {}),
        ...(maxBytes > 0 ? { max_bytes: maxBytes } : {}),
      });
      await jsm.consumers.add(stream, {
        durable_name: consumer,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
        max_ack_pending: options.maxAckPending ?? DEFAULT_MAX_ACK_PENDING,
        deliver_policy: DeliverPolicy.All,
        max_deliver: -1,
      });
      return new JetStreamQueue({ servers, stream, subject, consumer, maxMessageSize }, nc, server);
    } catch (error) {
      await nc?.close().catch(() => {});
      await server?.stop();
      throw error;
    }
  }

  /** Attaches a producer (in this process) to a queue opened anywhere. */
  static producer(address: JetStreamAddress, options?: JetStreamProducerOptions): Promise<JetStreamProducer> {
    return JetStreamProducer.connect(address, options);
  }

  /** Attaches a consumer (in this process) to a queue opened anywhere. */
  static consumer(address: JetStreamAddress, options?: JetStreamConsumerOptions): Promise<JetStreamConsumer> {
    return JetStreamConsumer.connect(address, options);
  }

  /** What the server holds for this queue right now. */
  async info(): Promise<JetStreamQueueInfo> {
    const jsm = await jetstreamManager(this.#nc);
    const [stream, consumer] = await Promise.all([
      jsm.streams.info(this.address.stream),
      jsm.consumers.info(this.address.stream, this.address.consumer),
    ]);
    return {
      messages: stream.state.messages,
      pending: consumer.num_pending,
      ackPending: consumer.num_ack_pending,
      redelivered: consumer.num_redelivered,
    };
  }

  /** Deletes the stream (and every message in it), then stops the server if this queue started it. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        const jsm = await jetstreamManager(this.#nc);
        await jsm.streams.delete(this.address.stream).catch((error: unknown) => {
          if (!isMissing(error)) throw error;
        });
      } finally {
        await this.#nc.close().catch(() => {});
        await this.server?.stop();
      }
    })();
    return this.#closing;
  }
}

/** A FIFO counting semaphore: the producer's window of publishes awaiting their PubAck. */
class Window {
  #free: number;
  readonly #waiters: Array<() => void> = [];
  constructor(size: number) {
    this.#free = size;
  }
  /** Takes a slot: undefined when one was free at once (no await, so call order is kept), else a promise. */
  acquire(): Promise<void> | undefined {
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#free--;
      return undefined;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}

/** Publishes to the queue; a send resolves when the server has stored the message (PubAck). */
export class JetStreamProducer implements Producer {
  readonly producerId: string;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #address: JetStreamAddress;
  readonly #window: Window;
  readonly #retryForMs: number;
  readonly #ackTimeoutMs: number;
  readonly #inflight = new Set<Promise<unknown>>();
  #sequence = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(nc: NatsConnection, address: JetStreamAddress, options: JetStreamProducerOptions) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#address = address;
    this.producerId = options.producerId ?? randomId();
    this.#window = new Window(Math.max(1, options.window ?? DEFAULT_WINDOW));
    this.#retryForMs = options.retryForMs ?? 30_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 2000;
  }

  static async connect(
    address: JetStreamAddress,
    options: JetStreamProducerOptions = {},
  ): Promise<JetStreamProducer> {
    return new JetStreamProducer(await connectTo(address.servers, "producer"), address, options);
  }

  /** Stores one message in the queue: resolves once the server stored it (see `publish`). */
  async send(message: Uint8Array): Promise<void> {
    await this.publish(message);
  }

  /**
   * Stores one message in the queue and says where. `msgId` overrides the generated
   * `<producerId>-<sequence>`; the server drops a message whose id it stored within the
   * duplicate window (the receipt says `duplicate: true`). While the stream is full (capacity)
   * the publish waits; while no server answers it retries with the same id for `retryForMs`,
   * so a retry never stores twice.
   */
  publish(message: Uint8Array, options: { msgId?: string } = {}): Promise<SendReceipt> {
    if (this.#closed) return Promise.reject(new ClosedError("JetStream producer"));
    const limit = this.#address.maxMessageSize;
    if (message.byteLength > limit) {
      return Promise.reject(
        new MessageTooLargeError(message.byteLength, limit, `the JetStream queue ${this.#address.stream}`),
      );
    }
    return this.#publish(wrapData(message), options.msgId ?? `${this.producerId}-${++this.#sequence}`);
  }

  /** Sends the END marker after every message sent so far, then disconnects. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      try {
        await this.#publish(END_MARKER, `${this.producerId}-${++this.#sequence}`);
        await Promise.allSettled(this.#inflight);
      } finally {
        await this.#nc.close().catch(() => {});
      }
    })();
    return this.#closing;
  }

  #publish(payload: Uint8Array, msgId: string): Promise<SendReceipt> {
    const slot = this.#window.acquire();
    // Without a wait for a slot, the publish is written to the connection synchronously, here,
    // so calls made without awaiting reach the stream in call order.
    const run = async () => {
      if (slot) await slot;
      try {
        return await this.#publishWithRetry(payload, msgId);
      } finally {
        this.#window.release();
      }
    };
    const sending = run();
    this.#inflight.add(sending);
    const untrack = () => this.#inflight.delete(sending);
    sending.then(untrack, untrack);
    return sending;
  }

  async #publishWithRetry(payload: Uint8Array, msgId: string): Promise<SendReceipt> {
    const deadline = Date.now() + this.#retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await this.#js.publish(this.#address.subject, payload, {
          msgID: msgId,
          timeout: this.#ackTimeoutMs,
        });
        return { streamSequence: ack.seq, duplicate: ack.duplicate, msgId };
      } catch (error) {
        if (this.#nc.isClosed()) throw new ClosedError("JetStream producer's connection");
        // A full stream is backpressure: wait for consumers to ack, with no deadline. JetStream
        // has no "room again" signal, so poll, briefly: a full queue has plenty to consume.
        if (error instanceof JetStreamApiError && /maximum (messages|bytes) exceeded/i.test(error.message)) {
          await sleep(Math.min(5 * 2 ** attempt, 50));
          continue;
        }
        const backoff = Math.min(20 * 2 ** attempt, 500);
        if (Date.now() < deadline && !(error instanceof JetStreamApiError)) {
          // Timeout, no responders (server restarting, stream not loaded yet), disconnect.
          await sleep(backoff);
          continue;
        }
        throw new JetStreamQueueError(
          "EPUBLISH",
          `message ${msgId} was not stored in ${this.#address.stream}: ${(error as Error).message}`,
          "check that nats-server runs with JetStream and the queue is open; resending with the same id is safe",
          { cause: error },
        );
      }
    }
  }
}

/**
 * Takes messages from the queue. The async iterator acks each message when the application
 * asks for the next one (or closes); `receive()` hands out deliveries the application acks itself.
 */
export class JetStreamConsumer implements Consumer {
  readonly #nc: NatsConnection;
  readonly #consumer: JsConsumer;
  readonly #address: JetStreamAddress;
  readonly #prefetch: number;
  /** Delivered to this process, not yet handed to the application. */
  readonly #buffer: JsMsg[] = [];
  /** Handed to the application, not yet acked. */
  readonly #held = new Set<JsMsg>();
  /** What the iterator handed out last; acked when the next one is asked for. */
  #current: JsMsg | undefined;
  /** The open pull request (a set, so that closing never misses one being replaced). */
  readonly #fetches = new Set<ConsumerMessages>();
  #fetching = false;
  /** Callers of receive() (or the iterator) waiting for a message. */
  readonly #takers: Array<() => void> = [];
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
        this.#current?.working();
        for (const m of this.#buffer) m.working();
        for (const m of this.#held) m.working();
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
    const nc = await connectTo(address.servers, "consumer");
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
    this.#held.add(m.msg);
    const held = this.#held;
    return {
      data: m.data,
      streamSequence: m.msg.seq,
      deliveryCount: m.msg.info.deliveryCount,
      redelivered: m.msg.redelivered,
      msgId: m.msg.headers?.get("Nats-Msg-Id") || undefined,
      async ack() {
        held.delete(m.msg);
        if (!(await m.msg.ackAck())) {
          throw new JetStreamQueueError(
            "EACK",
            `the server did not confirm the ack of message ${m.msg.seq}`,
            "the message may be redelivered; make processing idempotent",
          );
        }
      },
      nak(delayMs) {
        held.delete(m.msg);
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
      for (const m of this.#buffer.splice(0)) m.nak();
      for (const m of this.#held) m.nak();
      this.#held.clear();
      this.#wakeTakers();
      await this.#stopFetching();
      await this.#nc.flush().catch(() => {});
      await this.#nc.close().catch(() => {});
    })();
    return this.#closing;
  }

  #wakeTakers(): void {
    for (const wake of this.#takers.splice(0)) wake();
  }

  #ackCurrent(): void {
    if (!this.#current) return;
    this.#current.ack();
    this.#current = undefined;
  }

  /**
   * Keeps at most `prefetch` messages here or on their way: when half of them were taken, a
   * new pull request asks for the difference while the rest are still being handed out, so the
   * application does not wait a round trip for every batch. One pull request at a time: two
   * would deliver through two iterators, which can hand their messages over out of order.
   */
  #refill(): void {
    if (this.#closed || this.#ended || this.#fetching) return;
    const have = this.#buffer.length;
    if (have > this.#prefetch / 2) return;
    this.#fetching = true;
    void this.#fetch(this.#prefetch - have);
  }

  async #fetch(count: number): Promise<void> {
    let batch: ConsumerMessages | undefined;
    let failed = false;
    try {
      batch = await this.#consumer.fetch({ max_messages: count, expires: FETCH_EXPIRES_MS });
      this.#fetches.add(batch);
      for await (const m of batch) {
        if (this.#closed || this.#ended) {
          m.nak();
          continue;
        }
        this.#buffer.push(m);
        this.#wakeTakers();
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
          this.#wakeTakers();
        }
      }
    } finally {
      if (batch) this.#fetches.delete(batch);
      this.#fetching = false;
    }
    if (this.#failure) return;
    if (failed) await sleep(250);
    this.#refill();
  }

  async #stopFetching(): Promise<void> {
    await Promise.all([...this.#fetches].map((batch) => batch.close().catch(() => {})));
  }

  async #take(): Promise<{ msg: JsMsg; data: Uint8Array } | null> {
    for (;;) {
      if (this.#closed || this.#ended) return null;
      const msg = this.#buffer.shift();
      if (!msg) {
        if (this.#failure) throw this.#failure;
        await new Promise<void>((resolve) => this.#takers.push(resolve));
        continue;
      }
      this.#refill();
      let envelope: ReturnType<typeof unwrap>;
      try {
        envelope = unwrap(msg.data);
      } catch (error) {
        msg.term(); // not ours: never deliver it again
        throw error;
      }
      if (envelope.kind === "data") return { msg, data: envelope.data };
      if (await this.#isFinalEnd(msg)) {
        this.#ended = true;
        await this.#stopFetching();
        for (const m of this.#buffer.splice(0)) m.nak();
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
      this.#buffer.push(end); // earlier messages are still here: take them first
      return false;
    }
    this.#ackCurrent();
    try {
      await this.#nc.flush();
      const info = await this.#consumer.info();
      const othersUnacked = info.num_ack_pending - 1 - this.#held.size;
      if (othersUnacked <= 0 && info.num_pending === 0) {
        end.ack();
        await this.#nc.flush();
        return true;
      }
    } catch {
      // The server is unreachable for a moment: look again later.
    }
    end.nak(END_RECHECK_MS);
    return false;
  }
}

/** The narrated demo: a consumer killed with kill -9 mid-stream, a second one gets the rest, nothing lost. */
async function demo(narrator: Narrator): Promise<void> {
  const count = 12;
  const killAt = 5;
  const ackWaitMs = 2000;
  const queue = await JetStreamQueue.open({ ackWaitMs });
  const address = JSON.stringify(queue.address);
  const received = new Map<string, number>();
  try {
    narrator.say(
      "queue",
      "OPEN",
      `work-queue stream ${queue.address.stream} on ${queue.address.servers.map(redactUrl).join(", ")} (ack_wait ${ackWaitMs / 1000} s)`,
    );
    narrator.note("The producer runs first and exits: its messages wait in the stream, stored on disk.");
    const producer = spawnScript(new URL("../examples/jetstream-producer.ts", import.meta.url), {
      narrator,
      args: [address, String(count)],
    });
    await producer.exited;
    const waiting = await queue.info();
    narrator.say(
      "queue",
      "WAIT",
      `${waiting.messages} messages wait in the stream (${count} + END), nobody consumes yet`,
    );

    narrator.note(
      `Consumer A takes messages slowly and acks each when it takes the next; it dies by kill -9 while it processes #${killAt}.`,
    );
    const consumerA = spawnScript(new URL("../examples/jetstream-consumer.ts", import.meta.url), {
      narrator,
      args: [address, "consumer A", "150"],
    });
    const killed = new Promise<void>((resolve) => {
      consumerA.process.on("message", (m: { received?: string }) => {
        if (!m?.received) return;
        received.set(m.received, (received.get(m.received) ?? 0) + 1);
        if (m.received === `#${killAt}`) {
          consumerA.kill("SIGKILL");
          resolve();
        }
      });
    });
    await Promise.race([
      killed,
      consumerA.exited.then((code) => {
        throw new Error(`consumer A exited (code ${code}) before it took #${killAt}`);
      }),
    ]);
    await consumerA.exited;
    narrator.say("demo", "KILL -9", `consumer A (pid ${consumerA.pid}) before it acked #${killAt}`);
    const after = await queue.info();
    narrator.say(
      "queue",
      "WAIT",
      `${after.messages} messages still in the stream (END included); ${after.ackPending} of them were delivered to A and never acked`,
    );
    narrator.note(
      `The server gives A's unacked messages to another consumer once ack_wait (${ackWaitMs / 1000} s) runs out.`,
    );

    const consumerB = spawnScript(new URL("../examples/jetstream-consumer.ts", import.meta.url), {
      narrator,
      args: [address, "consumer B", "0"],
    });
    consumerB.process.on("message", (m: { received?: string }) => {
      if (m?.received) received.set(m.received, (received.get(m.received) ?? 0) + 1);
    });
    await consumerB.exited;

    const expected = Array.from({ length: count }, (_, i) => `#${i + 1}`);
    const missing = expected.filter((label) => !received.has(label));
    const duplicates = [...received].filter(([, n]) => n > 1).map(([label]) => label);
    narrator.say(
      "demo",
      "COUNT",
      `${count} sent, ${expected.length - missing.length} distinct received, ${missing.length} lost` +
        (missing.length ? ` (${missing.join(", ")})` : "") +
        `, ${duplicates.length} received twice${duplicates.length ? ` (${duplicates.join(", ")}: A took it, never acked it)` : ""}`,
    );
    narrator.note(
      missing.length === 0
        ? "Nothing lost: at-least-once. A message is gone from the stream only after a consumer acked it."
        : "Messages were lost: that is a bug in this backend.",
    );
  } finally {
    await queue.close();
  }
}

export const messageQueuesJetStream: Variant<JetStreamAddress> = {
  id: "message-queues-jetstream",
  taxonomy: {
    ...taxonomy["message-queues"],
    scope: "inter-process, network",
    medium: "a NATS JetStream work-queue stream with explicit acks",
  },
  summary:
    "The message queue past one host: a NATS JetStream work-queue stream with explicit acks — at-least-once, survives a consumer's kill -9.",
  module: import.meta.url,
  open: (options?: OpenOptions) =>
    JetStreamQueue.open({
      ...(options?.capacity ? { capacity: options.capacity } : {}),
      ...(options?.maxMessageSize ? { maxMessageSize: options.maxMessageSize } : {}),
    }),
  producer: (address) => JetStreamProducer.connect(address),
  consumer: (address) => JetStreamConsumer.connect(address),
  demo,
};
