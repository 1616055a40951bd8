/**
 * The Producer/Consumer interface over gRPC, shared by grpc-os and grpc-network (they differ
 * only in where the server listens). The consumer is the gRPC server: it receives, so it binds
 * the address and everybody else dials it. The producer is a client of the Messages service.
 *
 * Two ways to send, both delivered into one inbox that the consumer's iterator drains:
 * - unary `Send` (the default, what Producer.send uses): synchronous. The server handler keeps
 *   the call open until the consumer's iterator has pulled that very message, so the reply is
 *   the rendezvous; one message per round trip. A caller whose deadline passes first withdraws
 *   its message: it is never delivered after the producer was told it failed.
 * - client-streaming `Stream` (producer mode "stream"): for throughput. `send` resolves once
 *   grpc-js accepted the message into the call (HTTP/2 flow control paces it); the server
 *   stops reading the call while the inbox holds enough, so a slow reader pushes back all the
 *   way to the producer. `close()` resolves once the consumer has taken every message.
 * `End` (Producer.close) makes the iteration finish after the messages already received.
 */

import {
  type Client,
  type ClientWritableStream,
  connectivityState as ConnectivityState,
  Server,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  status as Status,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  AddressError,
  ClosedError,
  type Consumer,
  checkLimit,
  MessageTooLargeError,
  type Producer,
} from "@ipc-atlas/core";
import { toGrpcError } from "./errors.ts";
import {
  DEFAULT_GRPC_MESSAGE_LIMIT,
  encodedMessageSize,
  largestPayload,
  MessagesClientConstructor,
  messagesServiceDefinition,
  type StreamSummary,
  type WireMessage,
} from "./proto.ts";
import { channelCredentials, gate, presentToken, serverCredentials, tlsProblem } from "./security.ts";

/** Default deadline of a unary call: how long a synchronous send waits for the consumer to take it. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** Default deadline of a whole Stream call. */
export const DEFAULT_STREAM_DEADLINE_MS = 10 * 60_000;
/** How long producer() waits for the server to answer before saying nothing listens. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Unary Send calls that may wait to be taken at once (count, and bytes of their messages). */
export const DEFAULT_MAX_WAITING = 1024;
export const DEFAULT_MAX_WAITING_BYTES = 16 * 1024 * 1024;
/** A Send that carries no deadline of its own gets this one from the server. */
export const DEFAULT_SERVER_DEADLINE_MS = 60_000;
/** HTTP/2 streams (calls) one connection may have open at once. */
const MAX_CONCURRENT_STREAMS = 100;

// While the inbox holds this much from streams, the server stops reading them (backpressure).
const STREAM_HIGH_WATER_MESSAGES = 4096;
const STREAM_HIGH_WATER_BYTES = 1024 * 1024;
// How long close() lets answers already given reach their callers before cutting connections.
const SHUTDOWN_GRACE_MS = 1_000;

const RESOLVED: Promise<void> = Promise.resolve();

/** A service the consumer's server hosts beside Messages (the demo's Greeter). */
export interface ServiceRegistration {
  service: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface ConsumerOptions {
  /** Largest payload a message may carry; the server's receive limit is set from it. Default: what 4 MiB allows. */
  maxMessageSize?: number;
  /** More services on the same server. */
  services?: ServiceRegistration[];
  /** Called when a Send's caller gave up (deadline, cancel) before the consumer took its message. */
  onSendCancelled?: (message: Uint8Array) => void;
  /** Calls without `authorization: Bearer <token>` end UNAUTHENTICATED. Absent: no check (insecure). */
  token?: string | undefined;
  /** Serve TLS with this certificate and key (PEM). */
  tls?: { cert: string; key: string } | undefined;
  /** Send calls waiting to be taken, at most; more end RESOURCE_EXHAUSTED. Default 1,024. */
  maxWaiting?: number | undefined;
  /** Bytes of Send messages waiting to be taken, at most. Default 16 MiB. */
  maxWaitingBytes?: number | undefined;
  /** Deadline the server gives a Send that carries none. Default 60 s. */
  serverDeadlineMs?: number | undefined;
}

export interface ProducerOptions {
  /** "unary" (default): synchronous Send per message. "stream": one client-streaming call for throughput. */
  mode?: "unary" | "stream";
  /** Largest payload `send` accepts; must match the consumer's. Default: what 4 MiB allows. */
  maxMessageSize?: number;
  /** Deadline of each unary call (Send, End). Default 30 s. */
  deadlineMs?: number;
  /** Deadline of the whole Stream call in stream mode. Default 10 min. */
  streamDeadlineMs?: number;
  /** How long to wait for the server to answer when connecting. Default 5 s. */
  connectTimeoutMs?: number;
  /** The endpoint's token, presented on every call. */
  token?: string | undefined;
  /** The CA that signed the server's certificate (TLS). */
  ca?: string | undefined;
}

export const defaultMaxMessageSize: number = largestPayload(DEFAULT_GRPC_MESSAGE_LIMIT);

/** One Stream call being read: what arrived from it, and what the consumer took. */
interface StreamState {
  received: number;
  taken: number;
  ended: boolean;
  answered: boolean;
  /** Answers the call once it ended and the consumer took its last message. */
  finishIfDone(): void;
}

interface InboxEntry {
  data: Uint8Array;
  /** A Send's answer, called when the consumer pulls the message. */
  onTaken: (() => void) | undefined;
  /** A stream message: the call it came from (no closure per message on the hot path). */
  stream: StreamState | undefined;
  /** Set when a Send's caller gave up first: the entry is skipped. */
  withdrawn: boolean;
}

/** A consumer: the gRPC server that hosts Messages and hands what arrives to one async iteration. */
export class GrpcConsumer implements Consumer {
  readonly target: string;
  readonly maxMessageSize: number;
  /** Send calls whose caller gave up before the consumer took the message. */
  cancelledSends = 0;
  /** Messages the iteration has taken. */
  taken = 0;
  /** How often the server stopped reading a Stream call because the inbox was full. */
  streamPauses = 0;
  /** Calls refused: without the right token (UNAUTHENTICATED), past the waiting cap (RESOURCE_EXHAUSTED). */
  readonly refused = { unauthenticated: 0, busy: 0 };

  readonly #server: Server;
  readonly #onSendCancelled: ((message: Uint8Array) => void) | undefined;
  #queue: InboxEntry[] = [];
  #head = 0;
  #streamBytes = 0;
  #streamMessages = 0;
  #pausedStreams = new Set<ServerReadableStream<WireMessage, StreamSummary>>();
  #ended = false;
  #endAcks: Array<() => void> = [];
  // Calls still waiting for their answer, with how to answer each with an error on close().
  #unanswered = new Set<(error: Partial<ServiceError>) => void>();
  #closed = false;
  #closing: Promise<void> | undefined;
  #wakers: Array<() => void> = [];
  readonly #maxWaiting: number;
  readonly #maxWaitingBytes: number;
  readonly #serverDeadlineMs: number;
  /** Send calls waiting to be taken, and their messages' bytes. */
  #waiting = 0;
  #waitingBytes = 0;

  private constructor(server: Server, target: string, maxMessageSize: number, options: ConsumerOptions) {
    this.#server = server;
    this.target = target;
    this.maxMessageSize = maxMessageSize;
    this.#onSendCancelled = options.onSendCancelled;
    this.#maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING;
    this.#maxWaitingBytes = options.maxWaitingBytes ?? DEFAULT_MAX_WAITING_BYTES;
    this.#serverDeadlineMs = options.serverDeadlineMs ?? DEFAULT_SERVER_DEADLINE_MS;
  }

  /** Binds `target` (`unix:/path` or `host:port`) and resolves once the server listens. */
  static async listen(target: string, options: ConsumerOptions = {}): Promise<GrpcConsumer> {
    const maxMessageSize = checkLimit(
      "maxMessageSize",
      options.maxMessageSize ?? defaultMaxMessageSize,
      0,
      2 ** 30,
    );
    checkLimit("maxWaiting", options.maxWaiting ?? DEFAULT_MAX_WAITING, 1, 2 ** 20);
    checkLimit("maxWaitingBytes", options.maxWaitingBytes ?? DEFAULT_MAX_WAITING_BYTES, 1, 2 ** 40);
    checkLimit("serverDeadlineMs", options.serverDeadlineMs ?? DEFAULT_SERVER_DEADLINE_MS, 1, 2 ** 31 - 1);
    // The gate refuses calls before their message is read; it asks the consumer, made just after.
    let consumer: GrpcConsumer | undefined;
    const server = new Server({
      "grpc.max_receive_message_length": Math.max(encodedMessageSize(maxMessageSize), 1024),
      "grpc.max_concurrent_streams": MAX_CONCURRENT_STREAMS,
      // Only with a token: grpc-os (owner-only socket directory) keeps the plain call path.
      ...(options.token
        ? {
            interceptors: [
              gate(
                options.token,
                () => {
                  if (consumer) consumer.refused.unauthenticated++;
                },
                (path) => (consumer && path.endsWith("/Send") ? consumer.#full(0) : null),
              ),
            ],
          }
        : {}),
    });
    consumer = new GrpcConsumer(server, target, maxMessageSize, options);
    server.addService(messagesServiceDefinition, consumer.#implementation());
    for (const extra of options.services ?? []) server.addService(extra.service, extra.implementation);
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(target, serverCredentials(options.tls), (error) => {
        if (!error) return resolve();
        server.forceShutdown();
        const inUse = /EADDRINUSE/.test(error.message);
        reject(
          new AddressError(
            inUse ? "EADDRINUSE" : "EBIND",
            `the gRPC consumer cannot listen at ${target}: ${error.message}`,
            inUse
              ? "another process listens there; stop it, or open a new endpoint"
              : "check the address: a unix: path in a directory you can write, or a host:port of this machine",
            { target },
          ),
        );
      });
    });
    return consumer;
  }

  /** RESOURCE_EXHAUSTED when one more Send of `bytes` would pass the waiting cap. */
  #full(bytes: number): { code: Status; details: string } | null {
    if (this.#waiting < this.#maxWaiting && this.#waitingBytes + bytes <= this.#maxWaitingBytes) return null;
    this.refused.busy++;
    return {
      code: Status.RESOURCE_EXHAUSTED,
      details: `the consumer already holds ${this.#waiting} waiting messages (${this.#waitingBytes} bytes); retry later`,
    };
  }

  #implementation(): UntypedServiceImplementation {
    return {
      Send: (call: ServerUnaryCall<WireMessage, unknown>, callback: sendUnaryData<unknown>) => {
        const refusal = this.#refusal() ?? this.#full(call.request.data.byteLength);
        if (refusal) return callback(refusal);
        const bytes = call.request.data.byteLength;
        this.#waiting++;
        this.#waitingBytes += bytes;
        let timer: NodeJS.Timeout | undefined;
        // Once per call, however it ends: taken, refused, cancelled or past the server's deadline.
        const release = () => {
          this.#waiting--;
          this.#waitingBytes -= bytes;
          if (timer) clearTimeout(timer);
        };
        const refuse = (error: Partial<ServiceError>) => {
          entry.withdrawn = true;
          entry.onTaken = undefined;
          release();
          callback(error);
        };
        const entry: InboxEntry = {
          data: call.request.data,
          onTaken: () => {
            this.#unanswered.delete(refuse);
            release();
            callback(null, {});
          },
          stream: undefined,
          withdrawn: false,
        };
        this.#unanswered.add(refuse);
        // The caller's deadline passed or it went away: never deliver what it was told failed.
        call.once("cancelled", () => {
          if (entry.onTaken === undefined) return;
          this.#unanswered.delete(refuse);
          entry.withdrawn = true;
          entry.onTaken = undefined;
          release();
          this.cancelledSends++;
          this.#onSendCancelled?.(entry.data);
        });
        // A call without a deadline of its own would otherwise wait as long as the consumer.
        if (call.getDeadline() === Number.POSITIVE_INFINITY) {
          timer = setTimeout(() => {
            if (entry.onTaken === undefined) return;
            this.#unanswered.delete(refuse);
            refuse({
              code: Status.DEADLINE_EXCEEDED,
              details: `not taken within the server's ${this.#serverDeadlineMs} ms`,
            });
          }, this.#serverDeadlineMs);
        }
        this.#push(entry);
      },
      Stream: (
        call: ServerReadableStream<WireMessage, StreamSummary>,
        callback: sendUnaryData<StreamSummary>,
      ) => {
        const refusal = this.#refusal();
        if (refusal) return callback(refusal);
        const refuse = (error: Partial<ServiceError>) => {
          state.answered = true;
          this.#pausedStreams.delete(call);
          callback(error);
        };
        const state: StreamState = {
          received: 0,
          taken: 0,
          ended: false,
          answered: false,
          finishIfDone: () => {
            if (state.answered || !state.ended || state.taken !== state.received) return;
            state.answered = true;
            this.#unanswered.delete(refuse);
            callback(null, { taken: state.taken });
          },
        };
        this.#unanswered.add(refuse);
        call.on("data", (message: WireMessage) => {
          state.received++;
          this.#streamBytes += message.data.byteLength;
          this.#streamMessages++;
          this.#push({ data: message.data, onTaken: undefined, stream: state, withdrawn: false });
          if (
            this.#streamMessages >= STREAM_HIGH_WATER_MESSAGES ||
            this.#streamBytes >= STREAM_HIGH_WATER_BYTES
          ) {
            // Stop reading: grpc-js stops reading the HTTP/2 stream, flow control stops the producer.
            call.pause();
            this.#pausedStreams.add(call);
            this.streamPauses++;
          }
        });
        call.on("end", () => {
          state.ended = true;
          state.finishIfDone();
        });
        // The producer went away or its deadline passed: what arrived stays in the inbox.
        call.once("cancelled", () => {
          state.answered = true;
          this.#unanswered.delete(refuse);
          this.#pausedStreams.delete(call);
        });
      },
      End: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        if (this.#closed) return callback(this.#refusal());
        this.#ended = true;
        const refuse = (error: Partial<ServiceError>) => callback(error);
        this.#unanswered.add(refuse);
        this.#endAcks.push(() => {
          this.#unanswered.delete(refuse);
          callback(null, {});
        });
        this.#wake();
      },
    };
  }

  #refusal(): Partial<ServiceError> | null {
    if (this.#closed) return { code: Status.UNAVAILABLE, details: "the consumer is closed" };
    if (this.#ended)
      return { code: Status.FAILED_PRECONDITION, details: "the producer already ended this stream" };
    return null;
  }

  #push(entry: InboxEntry): void {
    this.#queue.push(entry);
    this.#wake();
  }

  #wake(): void {
    if (this.#wakers.length === 0) return;
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }

  #resumeStreams(): void {
    if (this.#pausedStreams.size === 0) return;
    if (
      this.#streamMessages > STREAM_HIGH_WATER_MESSAGES / 2 ||
      this.#streamBytes > STREAM_HIGH_WATER_BYTES / 2
    )
      return;
    for (const call of this.#pausedStreams) call.resume();
    this.#pausedStreams.clear();
  }

  #shift(): InboxEntry | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const entry = this.#queue[this.#head++];
    // Compact now and then instead of Array.shift() per message.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  async #next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      if (this.#closed) return { done: true, value: undefined };
      for (let entry = this.#shift(); entry; entry = this.#shift()) {
        if (entry.withdrawn) continue;
        this.taken++;
        const stream = entry.stream;
        if (stream) {
          stream.taken++;
          this.#streamBytes -= entry.data.byteLength;
          this.#streamMessages--;
          this.#resumeStreams();
          stream.finishIfDone();
        } else {
          const onTaken = entry.onTaken;
          entry.onTaken = undefined;
          onTaken?.();
        }
        return { done: false, value: entry.data };
      }
      if (this.#ended) {
        const acks = this.#endAcks;
        this.#endAcks = [];
        for (const ack of acks) ack();
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => this.#wakers.push(resolve));
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.#next(),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  /**
   * Stops the server and ends a pending iteration. Calls still waiting (a Send nobody took, a
   * Stream, an End) are answered UNAVAILABLE; answers already given are flushed before the
   * connections close. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      this.#wake();
      const unanswered = [...this.#unanswered];
      this.#unanswered.clear();
      for (const refuse of unanswered) {
        refuse({ code: Status.UNAVAILABLE, details: "the consumer closed before taking this message" });
      }
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          this.#server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        this.#server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    })();
    return this.#closing;
  }
}

/**
 * Dials the consumer's server and waits until the connection is up. A refused connection
 * (nobody listens) fails at once instead of retrying until the timeout.
 */
async function connectClient(
  target: string,
  connectTimeoutMs: number,
  options: ProducerOptions,
): Promise<Client> {
  const client = new MessagesClientConstructor(target, channelCredentials(options.ca), {
    // A synchronous send must not be repeated behind the producer's back.
    "grpc.enable_retries": 0,
    ...(options.token ? { interceptors: [presentToken(options.token)] } : {}),
  });
  const channel = client.getChannel();
  const deadline = Date.now() + connectTimeoutMs;
  const refused = (why: string) =>
    new AddressError(
      "ECONNREFUSED",
      `no gRPC consumer answers at ${target} (${why})`,
      "start the consumer first: it is the gRPC server, and the producer dials it",
      {
        target,
      },
    );
  try {
    for (let state = channel.getConnectivityState(true); state !== ConnectivityState.READY; ) {
      if (state === ConnectivityState.TRANSIENT_FAILURE) {
        throw (options.ca && (await tlsProblem(target, options.ca))) || refused("connection refused");
      }
      if (state === ConnectivityState.SHUTDOWN) throw refused("channel shut down");
      await new Promise<void>((resolve, reject) => {
        channel.watchConnectivityState(state, deadline, (error) =>
          error ? reject(refused(`nothing answered within ${connectTimeoutMs} ms`)) : resolve(),
        );
      });
      state = channel.getConnectivityState(true);
    }
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}

type UnaryMethod = (
  request: unknown,
  options: { deadline: number },
  callback: (error: ServiceError | null, reply?: unknown) => void,
) => void;

/** A producer: a client of the consumer's Messages service. */
export class GrpcProducer implements Producer {
  readonly target: string;
  readonly mode: "unary" | "stream";
  readonly maxMessageSize: number;

  readonly #client: Client;
  readonly #deadlineMs: number;
  readonly #streamDeadlineMs: number;
  #closed = false;
  #closing: Promise<void> | undefined;
  // Unary mode: sends go one after another, so they arrive in call order (the server delivers
  // a unary call when its last byte arrives, and concurrent calls can finish out of order).
  #tail: Promise<unknown> = Promise.resolve();
  #inFlight = 0;
  // Stream mode.
  #stream: ClientWritableStream<WireMessage> | undefined;
  #streamDone: Promise<StreamSummary> | undefined;
  #streamFailure: Error | undefined;

  readonly #sendMethod: UnaryMethod;
  readonly #endMethod: UnaryMethod;

  private constructor(client: Client, target: string, options: ProducerOptions) {
    this.#client = client;
    const methods = client as unknown as Record<"Send" | "End", UnaryMethod>;
    this.#sendMethod = methods.Send.bind(client);
    this.#endMethod = methods.End.bind(client);
    this.target = target;
    this.mode = options.mode ?? "unary";
    this.maxMessageSize = options.maxMessageSize ?? defaultMaxMessageSize;
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#streamDeadlineMs = options.streamDeadlineMs ?? DEFAULT_STREAM_DEADLINE_MS;
  }

  /** Connects to the consumer at `target`; AddressError when nothing answers there. */
  static async connect(target: string, options: ProducerOptions = {}): Promise<GrpcProducer> {
    const client = await connectClient(
      target,
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      options,
    );
    const producer = new GrpcProducer(client, target, options);
    if (producer.mode === "stream") producer.#openStream();
    return producer;
  }

  #unary(method: "Send" | "End", request: unknown): Promise<void> {
    const call = method === "Send" ? this.#sendMethod : this.#endMethod;
    return new Promise<void>((resolve, reject) => {
      call(request, { deadline: Date.now() + this.#deadlineMs }, (error) => {
        if (error) reject(toGrpcError(error, method, this.target));
        else resolve();
      });
    });
  }

  #openStream(): void {
    type StreamMethod = (
      options: { deadline: number },
      callback: (error: ServiceError | null, summary?: StreamSummary) => void,
    ) => ClientWritableStream<WireMessage>;
    const method = (this.#client as unknown as Record<string, StreamMethod>).Stream!.bind(this.#client);
    this.#streamDone = new Promise<StreamSummary>((resolve, reject) => {
      this.#stream = method({ deadline: Date.now() + this.#streamDeadlineMs }, (error, summary) => {
        if (!error) return resolve(summary!);
        this.#streamFailure = toGrpcError(error, "Stream", this.target);
        this.#failDrain?.(this.#streamFailure);
        reject(this.#streamFailure);
      });
    });
    // The failure is reported by send and close; keep an unobserved rejection from crashing the process.
    this.#streamDone.catch(() => {});
  }

  send(message: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError("gRPC producer"));
    if (message.byteLength > this.maxMessageSize) {
      return Promise.reject(
        new MessageTooLargeError(message.byteLength, this.maxMessageSize, `gRPC messages to ${this.target}`),
      );
    }
    if (this.mode === "stream") return this.#streamSend(message);
    if (this.#inFlight === 0) return this.#track(this.#unary("Send", { data: message }));
    return this.#track(this.#tail.then(() => this.#unary("Send", { data: message })));
  }

  #track(sending: Promise<void>): Promise<void> {
    this.#inFlight++;
    const settled = () => {
      this.#inFlight--;
    };
    this.#tail = sending.then(settled, settled);
    return sending;
  }

  // Stream mode: the tail of operations waiting their turn (sends behind a full buffer, a flush
  // switching calls). While it is set, new operations queue behind it, so call order holds.
  #pending: Promise<void> | undefined;

  #setPending(operation: Promise<unknown>): void {
    const settled = operation.then(
      () => {},
      () => {},
    );
    this.#pending = settled;
    void settled.then(() => {
      if (this.#pending === settled) this.#pending = undefined;
    });
  }

  #enqueue<T>(operation: () => Promise<T> | T): Promise<T> {
    const run = (this.#pending ?? Promise.resolve()).then(operation);
    this.#setPending(run);
    return run;
  }

  /** Writes into the Stream call; returns a promise only when the buffer is full (wait for drain). */
  #write(message: Uint8Array): Promise<void> | undefined {
    if (this.#streamFailure) throw this.#streamFailure;
    const stream = this.#stream!;
    if (stream.write({ data: message })) return undefined;
    // Operations run one at a time, so at most one waits for drain; a failed call rejects it.
    return new Promise<void>((resolve, reject) => {
      stream.once("drain", () => {
        this.#failDrain = undefined;
        resolve();
      });
      this.#failDrain = reject;
    });
  }

  #failDrain: ((error: Error) => void) | undefined;

  #streamSend(message: Uint8Array): Promise<void> {
    if (this.#streamFailure) return Promise.reject(this.#streamFailure);
    if (this.#pending) return this.#enqueue(() => this.#write(message));
    // Fast path: nothing waits, write at once.
    const full = this.#write(message);
    if (!full) return RESOLVED;
    this.#setPending(full);
    return full;
  }

  /**
   * Waits until the consumer has taken every message sent so far. In unary mode that is already
   * true once the sends resolved; in stream mode it ends the current Stream call, waits for its
   * reply (which comes once the consumer took its last message) and continues on a new call.
   * Resolves with how many messages the ended Stream call carried (0 in unary mode).
   */
  flush(): Promise<number> {
    if (this.#closed) return Promise.reject(new ClosedError("gRPC producer"));
    if (this.mode === "unary") return this.#tail.then(() => 0);
    return this.#enqueue(async () => {
      const done = this.#streamDone!;
      this.#stream!.end();
      const summary = await done;
      this.#openStream();
      return summary.taken;
    });
  }

  /**
   * Ends the stream: in stream mode, half-closes the Stream call and waits until the consumer
   * has taken every message; then End, which answers once the consumer's iteration finished.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      try {
        await this.#tail;
        await this.#pending;
        if (this.#stream) {
          this.#stream.end();
          await this.#streamDone;
        }
        await this.#unary("End", {});
      } finally {
        this.#client.close();
      }
    })();
    return this.#closing;
  }
}
