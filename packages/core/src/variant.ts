/**
 * The one interface every ipc-atlas variant implements, from an in-process channel to a
 * NATS cluster. A variant opens a medium (`open`), then producers and consumers attach to it
 * by address. For inter-process variants the address is plain JSON so that it can be handed
 * to another OS process; for in-process variants it is the medium object itself.
 */

import type { VariantCard } from "./card.ts";
import type { Narrator } from "./narrator.ts";
import type { Taxonomy } from "./taxonomy.ts";
import type { TlsMaterial } from "./tls.ts";

export interface Producer {
  /**
   * Sends one message. Resolves when the variant's contract for this message is met:
   * - asynchronous variants: the medium has accepted it (queued in the kernel, written to the
   *   socket buffer, acknowledged by the server) — the consumer may not have seen it yet;
   * - synchronous variants: the consumer has taken it.
   * While the medium is full, the promise stays pending (backpressure) instead of buffering
   * without bound in the producer. Rejects with MessageTooLargeError when the message exceeds
   * the endpoint's `maxMessageSize` (nothing is sent and the producer stays usable), and with
   * ClosedError after `close()`. Calls made without awaiting the previous one are delivered in
   * call order.
   */
  send(message: Uint8Array): Promise<void>;
  /**
   * Ends the stream: after every message already sent, the consumer's iteration finishes.
   * Resolves once the end is handed to the medium under the same contract as `send`.
   */
  close(): Promise<void>;
}

/**
 * The receiving end: an async iterable of messages, and `close()`. One contract for every
 * variant, each rule checked by a conformance case (conformance/consumer-contract.ts):
 *
 * - **One stream.** Every `[Symbol.asyncIterator]()` iterates the same stream, and so do `next()`
 *   calls made while earlier ones are still pending: each message is handed to exactly one
 *   `next()` call, and pending calls are served in the order they were made.
 * - **Ending early.** `break` out of `for await` (the iterator's `return()`) is `close()`.
 * - **close()** stops consuming and releases what the consumer holds (its connection,
 *   subscription, descriptors); pending and later `next()` calls end as done; idempotent.
 *   Messages the consumer has not handed out stay in the medium when the medium keeps messages
 *   (a queue, a stream: the next consumer gets them); other media drop them.
 * - **The producer's death** (its process killed, no `close()`): what the consumer sees is a
 *   property of the medium, stated in the variant's card as `producerDeath`: the iteration
 *   ends (`"end"`: the medium cannot tell a death from a close), fails with a typed error
 *   (`"error"`: PeerGoneError or FrameError), or keeps waiting for a producer (`"waits"`: the
 *   medium outlives its producers, and a new one can continue the stream).
 */
export interface Consumer extends AsyncIterable<Uint8Array> {
  /** Stops consuming early and releases the consumer's resources; pending iterations end as done. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Buffered variants: how many messages the medium holds before `send` waits. */
  capacity?: number;
  /** Largest message the caller means to send; variants with a configurable limit size the medium for it. */
  maxMessageSize?: number;
  /** Network variants: the interface to listen on. Default 127.0.0.1: loopback unless asked otherwise. */
  host?: string;
  /**
   * Network variants: the secret producers must present. Default: a fresh random one, put in
   * `address.token` — which makes the whole address a secret (keep it out of argv and logs).
   */
  token?: string;
  /**
   * Network variants: TLS. `true` makes a certificate authority and a server certificate for this
   * endpoint (the CA goes in the address, producers verify the server with it); or pass your own
   * PEMs. Required to listen on anything but loopback, unless `insecure`.
   */
  tls?: boolean | TlsMaterial;
  /**
   * Network variants: run without a token, and allow a non-loopback host without TLS. Anyone who
   * reaches the port can then send, end the stream or read; a warning says so.
   */
  insecure?: boolean;
}

export interface Endpoint<Address> {
  /** Where producers and consumers attach. JSON for inter-process variants. */
  readonly address: Address;
  /** Largest message `send` accepts here, or null when only memory limits it. */
  readonly maxMessageSize: number | null;
  /** Tears the medium down: unlinks the queue, stops the server, removes the FIFO. Idempotent. */
  close(): Promise<void>;
}

export interface Variant<Address = unknown> {
  /** A taxonomy id for the variants in the catalogue; fixtures in tests may use their own. */
  readonly id: string;
  readonly taxonomy: Taxonomy;
  /** One sentence: what this variant is. */
  readonly summary: string;
  /** What the catalogue and the benchmark show about it. Fixtures in tests may go without. */
  readonly card?: VariantCard;
  /** `import.meta.url` of the module that exports this variant, so a child process can load it. */
  readonly module: string;
  /** Creates the medium and says where it is. */
  open(options?: OpenOptions): Promise<Endpoint<Address>>;
  producer(address: Address): Promise<Producer>;
  /** Resolves only once the consumer is ready to receive (subscribed, connected, listening). */
  consumer(address: Address): Promise<Consumer>;
  /**
   * Where producer and consumer run when the harness or the conformance suite drives an
   * in-process variant: on the calling thread (the default), or each on a worker thread of its
   * own ("threads"), for media that are memory shared between threads.
   */
  readonly placement?: "same-thread" | "threads";
  /** Runs the narrated demo of this variant. */
  demo?(narrator: Narrator): Promise<void>;
}

/** A variant whose address type is not known at the call site (the registry, the harness). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds variants of every address type.
export type AnyVariant = Variant<any>;
