/**
 * The `shared-memory-workers` variant: producer and consumer on two worker threads of one
 * process share a SharedArrayBuffer that holds the ring of ring.ts. A send copies the message
 * into the shared memory and goes on; no message crosses a MessagePort, nothing is cloned or
 * serialised. The indices are read and written with Atomics (sequentially consistent), and a
 * side with nothing to do raises its waiting flag and sleeps in `Atomics.waitAsync` on it: the
 * other side clears the flag and calls `Atomics.notify` only when it sees it raised, so a busy
 * stream pays no wake-up at all, and neither thread's event loop ever blocks.
 *
 * The address is the SharedArrayBuffer itself: posting it to a worker shares the memory.
 */

import { defineVariant, IpcError, taxonomy, type Variant } from "@ipc-atlas/core";
import { sharedMemoryWorkersCard } from "./cards.ts";
import { demoWorkers } from "./demo-shared-memory-workers.ts";
import {
  DEFAULT_RING_BYTES,
  HEADER_BYTES,
  initHeader,
  MAGIC,
  MAX_CAPACITY,
  MIN_CAPACITY,
  maxPayload,
  RingConsumer,
  RingProducer,
  type RingSignals,
  ringBytesFor,
  W,
} from "./ring.ts";

export interface WorkersRingAddress {
  /** Header and data of the ring; shared, not copied, when posted to a worker. */
  buffer: SharedArrayBuffer;
}

const MEDIUM = "shared-memory ring";

// Atomics.waitAsync is in Node 16+, typed only from the ES2024 library on.
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
const noop = () => {};

/** The ring's signals between threads: Atomics on the header words. */
class AtomicsSignals implements RingSignals {
  readonly #words: Int32Array;

  constructor(words: Int32Array) {
    this.#words = words;
  }

  publishHead(head: number): number {
    Atomics.store(this.#words, W.head, head | 0);
    this.#wake(W.consumerWaiting);
    return Atomics.load(this.#words, W.tail);
  }

  publishTail(tail: number): number {
    Atomics.store(this.#words, W.tail, tail | 0);
    this.#wake(W.producerWaiting);
    return Atomics.load(this.#words, W.head);
  }

  load(word: number): number {
    return Atomics.load(this.#words, word);
  }

  raise(word: number): void {
    Atomics.store(this.#words, word, 1);
    this.#wake(W.consumerWaiting);
    this.#wake(W.producerWaiting);
  }

  async sleep(role: "producer" | "consumer", seen: number): Promise<void> {
    const words = this.#words;
    const flag = role === "producer" ? W.producerWaiting : W.consumerWaiting;
    const index = role === "producer" ? W.tail : W.head;
    const stop = role === "producer" ? W.consumerClosed : W.closed;
    // Raise the flag, then look once more: a store the other side made before it could see the
    // flag is seen here (both are sequentially consistent), so no wake-up is ever lost.
    Atomics.store(words, flag, 1);
    if (Atomics.load(words, index) >>> 0 !== seen || Atomics.load(words, stop)) {
      Atomics.store(words, flag, 0);
      return;
    }
    const waiting = waitAsync(words, flag, 1);
    if (!waiting.async) return;
    // A pending waitAsync does not keep a thread alive by itself; a timer does, meanwhile.
    const keepAlive = setInterval(noop, 2 ** 30);
    try {
      await waiting.value;
    } finally {
      clearInterval(keepAlive);
    }
  }

  #wake(flag: number): void {
    // A plain load first: the common case (nobody sleeps) costs no locked instruction.
    if (Atomics.load(this.#words, flag) === 1 && Atomics.compareExchange(this.#words, flag, 1, 0) === 1) {
      Atomics.notify(this.#words, flag);
    }
  }

  release(): void {}
}

/** A fresh ring of `bytes` data bytes (a power of two, at least 64) in a SharedArrayBuffer. */
export function openWorkersRing(bytes: number = DEFAULT_RING_BYTES): WorkersRingAddress {
  if (!Number.isInteger(Math.log2(bytes)) || bytes < MIN_CAPACITY || bytes > MAX_CAPACITY) {
    throw new RangeError(
      `a ring's size is a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY} bytes, not ${bytes}`,
    );
  }
  const buffer = new SharedArrayBuffer(HEADER_BYTES + bytes);
  initHeader(new Int32Array(buffer, 0, HEADER_BYTES / 4), bytes);
  return { buffer };
}

function attach(address: WorkersRingAddress, role: "producer" | "consumer") {
  const buffer = address?.buffer;
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength <= HEADER_BYTES) {
    throw new IpcError("EINVAL", "a shared-memory-workers address is { buffer: SharedArrayBuffer }", {
      hint: "pass the address that sharedMemoryWorkers.open() returned, posted to the worker as it is",
    });
  }
  const words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  const capacity = words[W.capacity]!;
  if (words[W.magic] !== MAGIC || capacity !== buffer.byteLength - HEADER_BYTES) {
    throw new IpcError("EINVAL", "this SharedArrayBuffer does not hold an ipc-atlas ring", {
      hint: "open the ring with sharedMemoryWorkers.open() or openWorkersRing()",
    });
  }
  // One producer and one consumer per ring: the ring has no lock, so a second one would corrupt it.
  const claim = role === "producer" ? W.producerPid : W.consumerPid;
  if (Atomics.compareExchange(words, claim, 0, 1) !== 0) {
    throw new IpcError("EBUSY", `this ring already has a ${role}`, {
      hint: `a ring carries one stream from one producer to one consumer; open another ring for another ${role}`,
    });
  }
  return { data: new Uint8Array(buffer, HEADER_BYTES, capacity), signals: new AtomicsSignals(words) };
}

/** The producer of a ring, with trySend and how many bytes wait in the ring. */
export function workersProducer(address: WorkersRingAddress): RingProducer {
  const { data, signals } = attach(address, "producer");
  return new RingProducer(data, signals, MEDIUM);
}

/** The consumer of a ring (an async iterable of messages). */
export function workersConsumer(address: WorkersRingAddress): RingConsumer {
  const { data, signals } = attach(address, "consumer");
  return new RingConsumer(data, signals, MEDIUM);
}

export const sharedMemoryWorkers = defineVariant<Variant<WorkersRingAddress>>({
  id: "shared-memory-workers",
  taxonomy: {
    ...taxonomy["shared-memory-workers"],
    medium: "a ring of records in a SharedArrayBuffer between worker threads (Atomics, waitAsync)",
  },
  card: sharedMemoryWorkersCard,
  summary:
    "A ring of length-prefixed records in a SharedArrayBuffer between two worker threads: a send is one copy " +
    "into shared memory, Atomics carry the indices, Atomics.waitAsync the rare wake-up.",
  module: import.meta.url,
  placement: "threads",
  async open(options = {}) {
    const address = openWorkersRing(ringBytesFor(options));
    let closed = false;
    return {
      address,
      maxMessageSize: maxPayload(address.buffer.byteLength - HEADER_BYTES),
      async close() {
        // The memory goes with the last thread that references it; mark the ring unusable.
        if (closed) return;
        closed = true;
      },
    };
  },
  async producer(address) {
    return workersProducer(address);
  },
  async consumer(address) {
    return workersConsumer(address);
  },
  demo: demoWorkers,
});
