/**
 * What both gRPC producers share: their options, dialing the consumer's server (and telling
 * "nobody listens" from "wrong certificate"), and the base class with the End call that
 * Producer.close() makes. The two ways to send are two classes: GrpcUnaryProducer
 * (unary-producer.ts, one synchronous Send per message) and GrpcStreamProducer
 * (stream-producer.ts, one client-streaming Stream call for throughput).
 */

import { type Client, connectivityState as ConnectivityState, type ServiceError } from "@grpc/grpc-js";
import { AddressError, ClosedError, MessageTooLargeError, type Producer } from "@ipc-atlas/core";
import { toGrpcError } from "./errors.ts";
import { defaultMaxMessageSize, MessagesClientConstructor } from "./proto.ts";
import { channelCredentials, presentToken, tlsProblem } from "./security.ts";

/** Default deadline of a unary call: how long a synchronous send waits for the consumer to take it. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** Default deadline of a whole Stream call. */
export const DEFAULT_STREAM_DEADLINE_MS = 10 * 60_000;
/** How long producer() waits for the server to answer before saying nothing listens. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

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

/**
 * Dials the consumer's server and waits until the connection is up. A refused connection
 * (nobody listens) fails at once instead of retrying until the timeout.
 */
export async function connectClient(target: string, options: ProducerOptions): Promise<Client> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
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

export type UnaryMethod = (
  request: unknown,
  options: { deadline: number },
  callback: (error: ServiceError | null, reply?: unknown) => void,
) => void;

/** A producer: a client of the consumer's Messages service. */
export abstract class GrpcProducer implements Producer {
  /** Which of the two producers this is (the `mode` it was asked for). */
  abstract readonly mode: "unary" | "stream";
  readonly target: string;
  readonly maxMessageSize: number;
  protected readonly client: Client;
  protected readonly deadlineMs: number;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #endMethod: UnaryMethod;

  protected constructor(client: Client, target: string, options: ProducerOptions) {
    this.client = client;
    this.target = target;
    this.maxMessageSize = options.maxMessageSize ?? defaultMaxMessageSize;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#endMethod = (client as unknown as Record<"End", UnaryMethod>).End.bind(client);
  }

  abstract send(message: Uint8Array): Promise<void>;

  /**
   * Waits until the consumer has taken every message sent so far. Resolves with how many
   * messages the Stream call that ended carried (0 for unary sends, already taken when they resolved).
   */
  abstract flush(): Promise<number>;

  /** Waits until every send made so far has settled (close() calls it before End). */
  protected abstract settle(): Promise<void>;

  protected get closed(): boolean {
    return this.#closed;
  }

  /** Why `message` cannot go out (the producer is closed, or the message too large), or undefined. */
  protected refusal(message: Uint8Array): Error | undefined {
    if (this.#closed) return new ClosedError("gRPC producer");
    if (message.byteLength > this.maxMessageSize) {
      return new MessageTooLargeError(
        message.byteLength,
        this.maxMessageSize,
        `gRPC messages to ${this.target}`,
      );
    }
    return undefined;
  }

  /** One unary call with this producer's deadline; a failure becomes a GrpcError. */
  protected unary(call: UnaryMethod, name: string, request: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      call(request, { deadline: Date.now() + this.deadlineMs }, (error) => {
        if (error) reject(toGrpcError(error, name, this.target));
        else resolve();
      });
    });
  }

  /**
   * Ends the stream: waits until every send settled (in stream mode, until the consumer took
   * every message), then End, which answers once the consumer's iteration finished.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      try {
        await this.settle();
        await this.unary(this.#endMethod, "End", {});
      } finally {
        this.client.close();
      }
    })();
    return this.#closing;
  }
}
