/**
 * The throughput producer: every message goes into one client-streaming `Stream` call. `send`
 * resolves once grpc-js accepted the message into the call, and waits for 'drain' when its
 * buffer is full, so HTTP/2 flow control (and a consumer that stopped reading) paces the
 * producer. `flush()` and `close()` end the call and wait for its reply, which the server
 * sends once the consumer took the call's last message.
 */

import type { Client, ClientWritableStream, ServiceError } from "@grpc/grpc-js";
import { ClosedError } from "@ipc-atlas/core";
import { toGrpcError } from "./errors.ts";
import { connectClient, DEFAULT_STREAM_DEADLINE_MS, GrpcProducer, type ProducerOptions } from "./producer.ts";
import type { StreamSummary, WireMessage } from "./proto.ts";

const RESOLVED: Promise<void> = Promise.resolve();

type StreamMethod = (
  options: { deadline: number },
  callback: (error: ServiceError | null, summary?: StreamSummary) => void,
) => ClientWritableStream<WireMessage>;

export class GrpcStreamProducer extends GrpcProducer {
  readonly mode = "stream" as const;
  readonly #streamMethod: StreamMethod;
  readonly #streamDeadlineMs: number;
  /** The Stream call being written, and its reply (or failure). */
  #stream!: ClientWritableStream<WireMessage>;
  #streamDone!: Promise<StreamSummary>;
  #streamFailure: Error | undefined;
  /** Rejects the one write waiting for 'drain' when the call fails. */
  #failDrain: ((error: Error) => void) | undefined;
  /**
   * The tail of operations waiting their turn (sends behind a full buffer, a flush switching
   * calls). While it is set, new operations queue behind it, so call order holds.
   */
  #pending: Promise<void> | undefined;

  private constructor(client: Client, target: string, options: ProducerOptions) {
    super(client, target, options);
    this.#streamMethod = (client as unknown as Record<"Stream", StreamMethod>).Stream.bind(client);
    this.#streamDeadlineMs = options.streamDeadlineMs ?? DEFAULT_STREAM_DEADLINE_MS;
    this.#openStream();
  }

  /** Connects to the consumer at `target` and opens the first Stream call. */
  static async connect(target: string, options: ProducerOptions = {}): Promise<GrpcStreamProducer> {
    return new GrpcStreamProducer(await connectClient(target, options), target, options);
  }

  #openStream(): void {
    this.#streamDone = new Promise<StreamSummary>((resolve, reject) => {
      this.#stream = this.#streamMethod(
        { deadline: Date.now() + this.#streamDeadlineMs },
        (error, summary) => {
          if (!error) return resolve(summary!);
          this.#streamFailure = toGrpcError(error, "Stream", this.target);
          this.#failDrain?.(this.#streamFailure);
          reject(this.#streamFailure);
        },
      );
    });
    // The failure is reported by send and close; keep an unobserved rejection from crashing the process.
    this.#streamDone.catch(() => {});
  }

  send(message: Uint8Array): Promise<void> {
    const refusal = this.refusal(message) ?? this.#streamFailure;
    if (refusal) return Promise.reject(refusal);
    if (this.#pending) return this.#enqueue(() => this.#write(message));
    // Fast path: nothing waits, write at once.
    const full = this.#write(message);
    if (!full) return RESOLVED;
    this.#setPending(full);
    return full;
  }

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
    const stream = this.#stream;
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

  /**
   * Ends the current Stream call, waits for its reply (which comes once the consumer took its
   * last message) and continues on a new call. Resolves with how many messages the call carried.
   */
  flush(): Promise<number> {
    if (this.closed) return Promise.reject(new ClosedError("gRPC producer"));
    return this.#enqueue(async () => {
      const done = this.#streamDone;
      this.#stream.end();
      const summary = await done;
      this.#openStream();
      return summary.taken;
    });
  }

  /** Half-closes the Stream call and waits until the consumer has taken every message. */
  protected async settle(): Promise<void> {
    await this.#pending;
    this.#stream.end();
    await this.#streamDone;
  }
}
