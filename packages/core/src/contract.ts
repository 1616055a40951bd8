/**
 * The Consumer contract (written on `Consumer` in variant.ts), applied once for every variant
 * instead of in each consumer: `defineVariant` wraps what a variant's `consumer()` returns so
 * that every `[Symbol.asyncIterator]()` is the same iterator over the one stream, `next()` calls
 * made while one is pending are served in the order they were made, `break` is `close()`, and
 * after `close()` every call ends as done. The variant's own consumer only has to deliver its
 * messages one `next()` at a time and end a pending `next()` when it is closed.
 */

import type { AnyVariant, Consumer } from "./variant.ts";

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });
const DONE_PROMISE = Promise.resolve(DONE);

class ContractConsumer implements Consumer {
  readonly #inner: Consumer;
  #source: AsyncIterator<Uint8Array> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** The latest next() call not yet settled: later calls wait behind it, in call order. */
  #tail: Promise<unknown> | null = null;
  /** Calls made and not yet settled; the tail is dropped when the last one settles. */
  #pending = 0;
  readonly #iterator: AsyncIterator<Uint8Array, undefined>;
  // The handlers are made once, not per call: this runs for every message of every variant,
  // and closures made per call (with the reaction that settles them) cost more than the hand-off.
  readonly #settled = () => {
    if (--this.#pending === 0) this.#tail = null;
  };
  readonly #take = (): Promise<IteratorResult<Uint8Array, undefined>> => {
    if (this.#closed) return DONE_PROMISE;
    this.#source ??= this.#inner[Symbol.asyncIterator]();
    return this.#source.next() as Promise<IteratorResult<Uint8Array, undefined>>;
  };

  constructor(inner: Consumer) {
    this.#inner = inner;
    this.#iterator = {
      next: () => this.#next(),
      return: async () => {
        await this.close();
        return DONE;
      },
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array, undefined> {
    return this.#iterator;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#inner.close();
    return this.#closing;
  }

  #next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.#closed) return DONE_PROMISE;
    // The common case, one call at a time, goes straight to the source.
    const result = this.#tail ? this.#tail.then(this.#take, this.#take) : Promise.resolve(this.#take());
    this.#pending++;
    this.#tail = result;
    result.then(this.#settled, this.#settled);
    return result;
  }
}

const held = new WeakSet<object>();

/**
 * A consumer that follows the contract, whatever `inner` does with several iterators. It is
 * `inner` itself as far as anything else goes (its own methods and events, instanceof): only
 * iteration and `close()` go through the contract.
 */
export function contractConsumer<C extends Consumer>(inner: C): C {
  if (held.has(inner)) return inner;
  const contract = new ContractConsumer(inner);
  const iterate = () => contract[Symbol.asyncIterator]();
  const close = () => contract.close();
  const proxy = new Proxy(inner, {
    get(target, property) {
      if (property === Symbol.asyncIterator) return iterate;
      if (property === "close") return close;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  held.add(proxy);
  return proxy;
}

/**
 * Declares a variant: the same object, with its consumers held to the Consumer contract. Every
 * variant in a package's `variants` list is declared through it.
 */
export function defineVariant<V extends AnyVariant>(variant: V): V {
  const consumer = variant.consumer as (this: unknown, ...args: unknown[]) => Promise<Consumer>;
  const declared: V = {
    ...variant,
    // Every argument passes through (some variants take consumer options), and `this` too.
    async consumer(this: unknown, ...args: unknown[]) {
      return contractConsumer(await consumer.apply(this ?? declared, args));
    },
  };
  return declared;
}
