/**
 * What grpc-os and grpc-network share: the address fields both carry, the options `open`
 * takes beyond core's, the variant type (core's Variant whose producer and consumer also take
 * gRPC options), and connectProducer, which picks the producer class for the mode asked for.
 */

import type { Endpoint, Narrator, OpenOptions, Variant } from "@ipc-atlas/core";
import type { ConsumerOptions, GrpcConsumer } from "./consumer.ts";
import type { GreeterClient, GreeterClientOptions } from "./greeter.ts";
import type { GrpcProducer, ProducerOptions } from "./producer.ts";
import { GrpcStreamProducer } from "./stream-producer.ts";
import { GrpcUnaryProducer } from "./unary-producer.ts";

export interface GrpcAddressBase {
  /** What grpc-js binds and dials: `unix:/path` or `host:port`. */
  target: string;
  /** Largest payload of one message; the server's receive limit is derived from it. */
  maxMessageSize: number;
  /** Deadline of each unary call made by producers of this endpoint. */
  deadlineMs: number;
}

export interface GrpcOpenOptions extends OpenOptions {
  /** Deadline of each unary call (a synchronous send waits at most this long for the consumer). Default 30 s. */
  deadlineMs?: number;
}

export interface GrpcVariant<Address extends GrpcAddressBase> extends Variant<Address> {
  open(options?: GrpcOpenOptions): Promise<Endpoint<Address>>;
  /** Options override what the address says (mode "stream" for throughput, a shorter deadline). */
  producer(address: Address, options?: ProducerOptions): Promise<GrpcProducer>;
  /** Options add services (the Greeter) and a cancellation observer. */
  consumer(address: Address, options?: ConsumerOptions): Promise<GrpcConsumer>;
  /** A Greeter client for the server at `address` (the demo's hello example). */
  greeter(address: Address, options?: GreeterClientOptions): GreeterClient;
  demo(narrator: Narrator): Promise<void>;
}

/** Connects the producer `options.mode` asks for (unary by default) to the server at `target`. */
export function connectProducer(target: string, options: ProducerOptions = {}): Promise<GrpcProducer> {
  return options.mode === "stream"
    ? GrpcStreamProducer.connect(target, options)
    : GrpcUnaryProducer.connect(target, options);
}
