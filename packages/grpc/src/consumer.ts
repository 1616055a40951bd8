/**
 * The consumer of both gRPC variants: the gRPC server. It receives, so it binds the address and
 * every producer dials it. Two ways in, both delivered into one inbox that the iterator drains:
 * - unary `Send`: synchronous. The handler keeps the call open until the iterator has pulled
 *   that very message, so the reply is the rendezvous. A caller whose deadline passes first
 *   withdraws its message: it is never delivered after the producer was told it failed.
 * - client-streaming `Stream`: for throughput. The server stops reading a call while the inbox
 *   holds enough, so a slow reader pushes back all the way to the producer, and answers the
 *   call once the iterator took its last message.
 * `End` (Producer.close) makes the iteration finish after the messages already received.
 */

import type { Server as NetServer, Socket } from "node:net";
import {
  Server,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  status as Status,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { AddressError, AsyncQueue, type Consumer, checkLimit } from "@ipc-atlas/core";
import {
  defaultMaxMessageSize,
  encodedMessageSize,
  messagesServiceDefinition,
  type StreamSummary,
  type WireMessage,
} from "./proto.ts";
import { gate, serverCredentials } from "./security.ts";

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
const EMPTY = new Uint8Array(0);
// How long close() lets answers already given reach their callers before cutting connections.
const SHUTDOWN_GRACE_MS = 1_000;

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
  /** The listening socket handed to serve(), closed with the consumer. */
  #listener: NetServer | undefined;
  readonly #onSendCancelled: ((message: Uint8Array) => void) | undefined;
  /** What arrived and waits for the iterator; ended by End, closed by close(). */
  readonly #inbox = new AsyncQueue<InboxEntry>();
  #streamBytes = 0;
  #streamMessages = 0;
  #pausedStreams = new Set<ServerReadableStream<WireMessage, StreamSummary>>();
  /** End calls, answered once the iteration has finished. */
  #endAcks: Array<() => void> = [];
  // Calls still waiting for their answer, with how to answer each with an error on close().
  #unanswered = new Set<(error: Partial<ServiceError>) => void>();
  #closed = false;
  #closing: Promise<void> | undefined;
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
    const consumer = GrpcConsumer.#create(target, options);
    const server = consumer.#server;
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

  /**
   * Serves the connections of `listener`, a net.Server that already listens (grpc-network's
   * endpoint opens it and hands it over, so the port never passes through a free state).
   * grpc-js takes each accepted connection through its connection injector, TLS included.
   * `target` names the address in errors. The listener is closed with the consumer.
   */
  static serve(listener: NetServer, target: string, options: ConsumerOptions = {}): GrpcConsumer {
    const consumer = GrpcConsumer.#create(target, options);
    const injector = consumer.#server.createConnectionInjector(serverCredentials(options.tls));
    const inject = (socket: Socket) => injector.injectConnection(socket);
    listener.on("connection", inject);
    consumer.#listener = listener;
    return consumer;
  }

  /** The server with every service, and the consumer around it; nothing listens yet. */
  static #create(target: string, options: ConsumerOptions): GrpcConsumer {
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
          withdraw();
          release();
          callback(error);
        };
        const entry: InboxEntry = {
          data: call.request.data,
          onTaken: () => {
            this.#unanswered.delete(refuse);
            release();
            // Answered after the current microtasks: the consumer's code sees the message before
            // the producer hears it was taken, so what each side reports stays in order.
            process.nextTick(() => callback(null, {}));
          },
          stream: undefined,
          withdrawn: false,
        };
        // Skipped by the iterator when it comes to it; the message is let go at once.
        const withdraw = () => {
          entry.withdrawn = true;
          entry.onTaken = undefined;
          entry.data = EMPTY;
        };
        this.#unanswered.add(refuse);
        // The caller's deadline passed or it went away: never deliver what it was told failed.
        call.once("cancelled", () => {
          if (entry.onTaken === undefined) return;
          this.#unanswered.delete(refuse);
          const data = entry.data;
          withdraw();
          release();
          this.cancelledSends++;
          this.#onSendCancelled?.(data);
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
        this.#inbox.push(entry);
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
          if (state.answered) return;
          // A message that comes after End (from another producer) is never delivered: say so.
          if (this.#inbox.settled) {
            this.#unanswered.delete(refuse);
            return refuse(this.#refusal()!);
          }
          state.received++;
          this.#streamBytes += message.data.byteLength;
          this.#streamMessages++;
          this.#inbox.push({ data: message.data, onTaken: undefined, stream: state, withdrawn: false });
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
        const refuse = (error: Partial<ServiceError>) => callback(error);
        this.#unanswered.add(refuse);
        this.#endAcks.push(() => {
          this.#unanswered.delete(refuse);
          // After the current microtasks, as for Send: the consumer's code sees the end first.
          process.nextTick(() => callback(null, {}));
        });
        // The iteration finishes once it has taken what arrived before.
        this.#inbox.end();
      },
    };
  }

  #refusal(): Partial<ServiceError> | null {
    if (this.#closed) return { code: Status.UNAVAILABLE, details: "the consumer is closed" };
    if (this.#inbox.settled)
      return { code: Status.FAILED_PRECONDITION, details: "the producer already ended this stream" };
    return null;
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

  async #next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      const next = await this.#inbox.next();
      // Closed: close() answers every call still waiting, End calls included.
      if (this.#closed) return { done: true, value: undefined };
      if (next.done) {
        const acks = this.#endAcks;
        this.#endAcks = [];
        for (const ack of acks) ack();
        return { done: true, value: undefined };
      }
      const entry = next.value;
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
  }

  // The Consumer contract (one stream, next() calls in call order, break is close()) is applied
  // to what the variants' consumer() returns, by core's defineVariant.
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
      this.#inbox.close();
      // No new connections; the ones open are drained by tryShutdown below.
      this.#listener?.close();
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
