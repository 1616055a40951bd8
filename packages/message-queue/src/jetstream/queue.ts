/**
 * Stream administration for the JetStream queue: the queue is one stream with WorkQueue
 * retention (a message is deleted once it is acked) and one durable pull consumer that every
 * consumer process attaches to. `JetStreamQueue.open` creates both, on servers it is given, on
 * `NATS_URL`, or on a nats-server (or a three-node JetStream cluster) it starts itself, and
 * `close()` deletes the stream and stops what it started. On three or more servers the stream
 * keeps three replicas, so that it survives the loss of any one node.
 */

import { type Endpoint, newToken, redactUrl } from "@ipc-atlas/core";
import {
  type JetStreamCluster,
  type NatsServer,
  natsUrlsFromEnv,
  startJetStreamCluster,
  startNatsServer,
} from "@ipc-atlas/nats";
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { InvalidOptionError } from "../errors.ts";
import {
  connectTo,
  HEADER_ROOM,
  isMissing,
  type JetStreamAddress,
  JetStreamQueueError,
  randomId,
} from "./connection.ts";
import { JetStreamConsumer, type JetStreamConsumerOptions } from "./consumer.ts";
import { JetStreamProducer, type JetStreamProducerOptions } from "./publisher.ts";

export interface JetStreamQueueOptions {
  /**
   * Servers to use. Default: NATS_URL when set, else a JetStream-enabled nats-server started
   * for this queue (a three-node cluster of them with `cluster: true`).
   */
  servers?: string[];
  /**
   * Start a three-node JetStream cluster for this queue (when no servers are given and NATS_URL
   * is unset), so that the queue survives the loss of one node. Default false: one server.
   */
  cluster?: boolean;
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
  /**
   * Copies of the stream (and its consumer) in a JetStream cluster. Default 3 when the queue
   * runs on three or more servers (NATS_URL naming them, or `cluster: true`), else 1.
   */
  replicas?: number;
  /** How long the server remembers message ids to drop resent messages. Default 120 000 ms. */
  duplicateWindowMs?: number;
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
  /** The highest stream sequence the server has delivered to a consumer so far (0: none). */
  deliveredUpTo: number;
}

const DEFAULT_ACK_WAIT_MS = 5000;
const DEFAULT_MAX_ACK_PENDING = 256;
const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The queue itself: a work-queue stream and its durable consumer, on servers it found or
 * started. This is the variant's Endpoint.
 */
export class JetStreamQueue implements Endpoint<JetStreamAddress> {
  readonly address: JetStreamAddress;
  readonly maxMessageSize: number;
  /** The nats-server started for this queue, when no servers were given (one server). */
  readonly server: NatsServer | undefined;
  /** The JetStream cluster started for this queue, with `cluster: true` and no servers given. */
  readonly cluster: JetStreamCluster | undefined;
  /** Copies the stream keeps. */
  readonly replicas: number;
  readonly #nc: NatsConnection;
  #closing: Promise<void> | undefined;

  private constructor(
    address: JetStreamAddress,
    nc: NatsConnection,
    started: { server?: NatsServer; cluster?: JetStreamCluster },
    replicas: number,
  ) {
    this.address = address;
    this.maxMessageSize = address.maxMessageSize;
    this.#nc = nc;
    this.server = started.server;
    this.cluster = started.cluster;
    this.replicas = replicas;
  }

  /** Creates the stream and its consumer, starting a JetStream nats-server unless servers are given or NATS_URL is set. */
  static async open(options: JetStreamQueueOptions = {}): Promise<JetStreamQueue> {
    const given = options.servers ?? natsUrlsFromEnv();
    // Servers this queue starts want a token of their own: on loopback, every local user
    // could otherwise read the stream or delete it through $JS.API.
    const token = given ? undefined : newToken();
    const cluster = !given && options.cluster ? await startJetStreamCluster({ token }) : undefined;
    const server = given || cluster ? undefined : await startNatsServer({ jetstream: true, token });
    const servers = given ?? cluster?.urls ?? [server!.url];
    const replicas = options.replicas ?? (servers.length >= 3 ? 3 : 1);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      await (cluster ?? server)?.stop();
      throw new InvalidOptionError(
        "replicas",
        replicas,
        "an integer from 1 to 5: 1 on one server, 3 on a three-node cluster (JetStream allows at most 5)",
      );
    }
    let nc: NatsConnection | undefined;
    try {
      nc = await connectTo(servers, "admin", token);
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
        num_replicas: replicas,
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
      return new JetStreamQueue(
        { servers, stream, subject, consumer, maxMessageSize, ...(token ? { token } : {}) },
        nc,
        { ...(server ? { server } : {}), ...(cluster ? { cluster } : {}) },
        replicas,
      );
    } catch (error) {
      await nc?.close().catch(() => {});
      await (cluster ?? server)?.stop();
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
      deliveredUpTo: consumer.delivered.stream_seq,
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
        await (this.cluster ?? this.server)?.stop();
      }
    })();
    return this.#closing;
  }
}
