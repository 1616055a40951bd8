/**
 * The synchronous producer: each send is one unary `Send` call, which the consumer's server
 * answers only once its iterator pulled that very message, so a resolved send means "taken".
 * Sends go one after another: the server delivers a unary call when its last byte arrives,
 * and calls in flight together could finish out of order.
 */

import type { Client } from "@grpc/grpc-js";
import { ClosedError } from "@ipc-atlas/core";
import { connectClient, GrpcProducer, type ProducerOptions, type UnaryMethod } from "./producer.ts";

export class GrpcUnaryProducer extends GrpcProducer {
  readonly mode = "unary" as const;
  readonly #sendMethod: UnaryMethod;
  /** The last send in call order; the next one starts when it settles. */
  #tail: Promise<unknown> = Promise.resolve();
  #inFlight = 0;

  private constructor(client: Client, target: string, options: ProducerOptions) {
    super(client, target, options);
    this.#sendMethod = (client as unknown as Record<"Send", UnaryMethod>).Send.bind(client);
  }

  /** Connects to the consumer at `target`; AddressError when nothing answers there. */
  static async connect(target: string, options: ProducerOptions = {}): Promise<GrpcUnaryProducer> {
    return new GrpcUnaryProducer(await connectClient(target, options), target, options);
  }

  send(message: Uint8Array): Promise<void> {
    const refusal = this.refusal(message);
    if (refusal) return Promise.reject(refusal);
    const send = () => this.unary(this.#sendMethod, "Send", { data: message });
    // Nothing in flight: call at once, without a turn of the promise queue.
    return this.#track(this.#inFlight === 0 ? send() : this.#tail.then(send));
  }

  #track(sending: Promise<void>): Promise<void> {
    this.#inFlight++;
    const settled = () => {
      this.#inFlight--;
    };
    this.#tail = sending.then(settled, settled);
    return sending;
  }

  /** A resolved unary send was already taken: flushing waits only for the sends in flight. */
  flush(): Promise<number> {
    if (this.closed) return Promise.reject(new ClosedError("gRPC producer"));
    return this.#tail.then(() => 0);
  }

  protected async settle(): Promise<void> {
    await this.#tail;
  }
}
