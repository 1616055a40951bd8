/**
 * The ring both shared-memory variants use: a single-producer single-consumer ring of
 * length-prefixed records in one block of shared memory (a SharedArrayBuffer between threads,
 * a POSIX shared-memory object between processes). Nothing in the ring is ever locked: the
 * producer alone moves `head`, the consumer alone moves `tail`, and each only reads the other.
 *
 *   header (512 bytes, every hot word on its own 64-byte cache line)
 *   ┌───────┬──────────┬─────┬─────┬──────────────┬──────────────┬───────┬────────────────┐
 *   │ magic │ capacity │ pids│head │ consumer     │ producer     │closed │ consumer       │
 *   │       │          │     │     │ waiting flag │ waiting flag │       │ closed         │
 *   └───────┴──────────┴─────┴─────┴──────────────┴──────────────┴───────┴────────────────┘
 *   data (capacity bytes, a power of two)
 *   ┌──────────────────────────────────────────────────────────────────────────────────────┐
 *   │ ·free· │ len│payload·pad │ len│payload·pad │ WRAP │ ·free·                          │
 *   └────────▲───────────────────────────────────▲─────────────────────────────────────────┘
 *          tail (consumer reads here)          head (producer writes here)
 *
 * `head` and `tail` count bytes ever written and read, modulo 2^32; a position in the data is
 * the count modulo the capacity, and `head - tail` is what waits. A record is a 4-byte length,
 * the payload, and padding to 8 bytes; it never straddles the end of the data: when it would,
 * the producer writes a WRAP word and starts at 0. That keeps every record contiguous, so it is
 * written and read in place with one copy, and it bounds a record at half the capacity (a
 * record that fits an empty ring always fits, wherever the indices stand).
 *
 * How an index is published and read (Atomics here, C11 release/acquire in the addon) and how
 * a side sleeps and is woken is each variant's business: see `RingSignals`.
 */

import {
  ClosedError,
  type Consumer,
  FrameError,
  MessageTooLargeError,
  type OpenOptions,
  PeerGoneError,
  type Producer,
} from "@ipc-atlas/core";

/** Bytes before the data area. */
export const HEADER_BYTES = 512;
/** "IPCR" — a header that does not start with it is not an ipc-atlas ring. */
export const MAGIC = 0x49504352;
/** Word indices (Int32) of the header fields; the addon (native/shm_ring.c) uses the same. */
export const W = {
  magic: 0,
  capacity: 1,
  producerPid: 2,
  consumerPid: 3,
  /** The pid of the process that created the ring, and its pid namespace's inode (low 32 bits). */
  ownerPid: 4,
  ownerPidNamespace: 5,
  head: 16,
  tail: 32,
  consumerWaiting: 48,
  producerWaiting: 64,
  closed: 80,
  consumerClosed: 96,
} as const;

/** The length word that means "nothing more before the end of the data: continue at 0". */
const WRAP = 0xffffffff;
const RECORD_HEADER = 4;

export const MIN_CAPACITY = 64;
export const MAX_CAPACITY = 2 ** 30;

/** Bytes one record of `length` payload bytes takes in the ring. */
export function recordBytes(length: number): number {
  return (length + RECORD_HEADER + 7) & ~7;
}

/** The largest payload a ring of `capacity` data bytes carries: a record of half the ring. */
export function maxPayload(capacity: number): number {
  return capacity / 2 - RECORD_HEADER;
}

/** The smallest power-of-two capacity that holds `capacity` bytes and a record of `maxMessageSize`. */
export function ringCapacity(capacity: number, maxMessageSize: number): number {
  const wanted = Math.max(capacity, 2 * recordBytes(maxMessageSize), MIN_CAPACITY);
  if (wanted > MAX_CAPACITY) throw new RangeError(`a ring holds at most ${MAX_CAPACITY} bytes`);
  return 2 ** Math.ceil(Math.log2(wanted));
}

/** Data bytes of a ring when OpenOptions ask for nothing larger: 1 MiB. */
export const DEFAULT_RING_BYTES = 1 << 20;

/**
 * Data bytes of a ring for `options`: 1 MiB, or more when `capacity` messages of
 * `maxMessageSize` bytes (or one record of that size) need more; always a power of two.
 */
export function ringBytesFor(options: OpenOptions = {}): number {
  const largest = options.maxMessageSize ?? 0;
  return ringCapacity(Math.max(DEFAULT_RING_BYTES, (options.capacity ?? 0) * recordBytes(largest)), largest);
}

/** Writes a fresh header: magic and capacity; indices and flags zero. */
export function initHeader(words: Int32Array, capacity: number): void {
  words.fill(0, 0, HEADER_BYTES / 4);
  words[W.capacity] = capacity;
  words[W.magic] = MAGIC;
}

/** What a variant provides: how indices cross to the other side, and how a side sleeps. */
export interface RingSignals {
  /** Producer: makes `head` visible (release), wakes a sleeping consumer; returns the consumer's tail (acquire). */
  publishHead(head: number): number;
  /** Consumer: makes `tail` visible, wakes a sleeping producer; returns the producer's head. */
  publishTail(tail: number): number;
  /** Reads a header word (acquire). */
  load(word: number): number;
  /** Sets a header flag to 1 (release) and wakes the other side if it sleeps. */
  raise(word: number): void;
  /**
   * Sleeps until the other side moves its index past `seen` (or raises a flag), without
   * blocking the event loop. Rejects with PeerGoneError when the other side died.
   */
  sleep(role: "producer" | "consumer", seen: number): Promise<void>;
  /** Releases what this side holds (mapping, descriptors). */
  release(): void;
}

/** Bytes of records a producer writes before it publishes them, at most. */
export const PUBLISH_BYTES = 8192;

const RESOLVED = Promise.resolve();
const DONE: IteratorResult<Uint8Array> = Object.freeze({ done: true, value: undefined });

/** The producer's half: writes records in place, publishes `head` once per batch. */
export class RingProducer implements Producer {
  readonly #data: Uint8Array;
  readonly #lengths: Uint32Array;
  readonly #mask: number;
  readonly #capacity: number;
  readonly #limit: number;
  readonly #signals: RingSignals;
  readonly #medium: string;
  #head: number;
  #tailSeen: number;
  #unpublished = 0;
  readonly #batchBytes: number;
  #flushScheduled = false;
  #closed = false;
  /** Sends waiting for room, in call order; undefined while none waits. */
  #waiting: Promise<void> | undefined;
  #released = false;
  readonly #flush = () => {
    this.#flushScheduled = false;
    if (!this.#released) this.#publish();
  };

  constructor(data: Uint8Array, signals: RingSignals, medium: string) {
    this.#data = data;
    this.#lengths = new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4);
    this.#capacity = data.byteLength;
    this.#mask = data.byteLength - 1;
    this.#limit = maxPayload(data.byteLength);
    this.#batchBytes = Math.min(data.byteLength >>> 2, PUBLISH_BYTES);
    this.#signals = signals;
    this.#medium = medium;
    this.#head = signals.load(W.head) >>> 0;
    this.#tailSeen = signals.load(W.tail) >>> 0;
  }

  get maxMessageSize(): number {
    return this.#limit;
  }

  /** Bytes of records in the ring as this side last saw it (written and not yet seen consumed). */
  get bytesInRing(): number {
    return (this.#head - this.#tailSeen) >>> 0;
  }

  /** Sends without waiting: false (and nothing sent) when the ring has no room now. */
  trySend(message: Uint8Array): boolean {
    if (this.#closed) throw new ClosedError(`${this.#medium} producer`);
    if (message.byteLength > this.#limit) {
      throw new MessageTooLargeError(message.byteLength, this.#limit, this.#medium);
    }
    return this.#waiting === undefined && this.#write(message);
  }

  send(message: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError(`${this.#medium} producer`));
    if (message.byteLength > this.#limit) {
      return Promise.reject(new MessageTooLargeError(message.byteLength, this.#limit, this.#medium));
    }
    if (this.#waiting === undefined && this.#write(message)) return RESOLVED;
    const after = this.#waiting ?? RESOLVED;
    const sending = after.then(() => this.#sendWhenRoom(message));
    // Settles either way: a failed send is the caller's rejection, not the next send's.
    const done = () => {
      if (this.#waiting === tracked) this.#waiting = undefined;
    };
    const tracked: Promise<void> = sending.then(done, done);
    this.#waiting = tracked;
    return sending;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#waiting?.catch(() => {});
      this.#publish();
      // After the last head: the consumer reads `closed` before `head`, so it sees every record.
      this.#signals.raise(W.closed);
    } finally {
      this.#released = true;
      this.#signals.release();
    }
  }

  /** Writes one record if the ring has room as far as this side knows; a full ring is published first. */
  #write(message: Uint8Array): boolean {
    const length = message.byteLength;
    const need = recordBytes(length);
    let position = this.#head & this.#mask;
    const toEnd = this.#capacity - position;
    const total = need <= toEnd ? need : toEnd + need;
    if (this.#capacity - ((this.#head - this.#tailSeen) >>> 0) < total) {
      // Full by the tail seen last: publish what waits and look at the consumer's tail again.
      this.#publish();
      if (this.#capacity - ((this.#head - this.#tailSeen) >>> 0) < total) return false;
    }
    if (need > toEnd) {
      this.#lengths[position >> 2] = WRAP;
      position = 0;
    }
    this.#lengths[position >> 2] = length;
    this.#data.set(message, position + RECORD_HEADER);
    this.#head = (this.#head + total) >>> 0;
    this.#unpublished += total;
    // One publication per batch: every PUBLISH_BYTES (a quarter of a smaller ring), or when this
    // turn of the event loop ends. A producer that never yields (every send resolved at once)
    // still shows its records to the consumer every few microseconds, not only when it stops.
    if (this.#unpublished >= this.#batchBytes) this.#publish();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
    return true;
  }

  #publish(): void {
    this.#unpublished = 0;
    this.#tailSeen = this.#signals.publishHead(this.#head) >>> 0;
  }

  async #sendWhenRoom(message: Uint8Array): Promise<void> {
    for (;;) {
      if (this.#signals.load(W.consumerClosed)) {
        throw new PeerGoneError(`the consumer of ${this.#medium} has closed`, "open a new ring and consumer");
      }
      if (this.#write(message)) return;
      await this.#signals.sleep("producer", this.#tailSeen);
      this.#publish();
    }
  }
}

/** The consumer's half: copies a batch of records out, publishes `tail` once per batch. */
export class RingConsumer implements Consumer {
  readonly #data: Uint8Array;
  readonly #mask: number;
  readonly #capacity: number;
  readonly #limit: number;
  readonly #signals: RingSignals;
  readonly #medium: string;
  #tail: number;
  #headSeen: number;
  /** The batch copied out of the ring, parsed record by record. */
  #batch = new Uint8Array(0);
  #batchWords = new Uint32Array(0);
  #at = 0;
  #end = 0;
  #ended = false;

  constructor(data: Uint8Array, signals: RingSignals, medium: string) {
    this.#data = data;
    this.#capacity = data.byteLength;
    this.#mask = data.byteLength - 1;
    this.#limit = maxPayload(data.byteLength);
    this.#signals = signals;
    this.#medium = medium;
    this.#tail = signals.load(W.tail) >>> 0;
    this.#headSeen = signals.load(W.head) >>> 0;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        let message: Uint8Array | undefined;
        try {
          message = this.#take();
        } catch (error) {
          return Promise.reject(error);
        }
        return message ? Promise.resolve({ done: false, value: message }) : this.#nextWhenReady();
      },
      return: async () => {
        this.close();
        return DONE;
      },
    };
  }

  /** Stops consuming: tells the producer (a waiting send fails) and lets go of the ring, at once. */
  close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#signals.raise(W.consumerClosed);
      this.#signals.release();
    }
    return RESOLVED;
  }

  /** The next record of the current batch, or of a fresh one; undefined when the ring is empty. */
  #take(): Uint8Array | undefined {
    if (this.#ended) return undefined;
    for (;;) {
      if (this.#at === this.#end && !this.#refill()) return undefined;
      const at = this.#at;
      const length = this.#batchWords[at >> 2]!;
      if (length === WRAP) {
        // The rest of the batch is the padding before the end of the data.
        this.#at = this.#end;
        continue;
      }
      // Lengths come from the other side: check each before trusting it.
      if (length > this.#limit || at + recordBytes(length) > this.#end) {
        throw this.#corrupt(`a record of ${length} bytes does not fit what the producer published`);
      }
      this.#at = at + recordBytes(length);
      return this.#batch.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length);
    }
  }

  /**
   * Copies what waits between tail and the end of the data (or head) out of the ring in one
   * copy, and hands that space back to the producer at once. Records never straddle the end,
   * so the copy holds whole records (and, at the end, a WRAP word and its padding).
   */
  #refill(): boolean {
    if (this.#tail === this.#headSeen) {
      this.#headSeen = this.#signals.publishTail(this.#tail) >>> 0;
      if (this.#tail === this.#headSeen) return false;
    }
    const from = this.#tail & this.#mask;
    const waiting = (this.#headSeen - this.#tail) >>> 0;
    if (waiting > this.#capacity) throw this.#corrupt(`head is ${waiting} bytes past tail`);
    const to = Math.min(from + waiting, this.#capacity);
    this.#batch = this.#data.slice(from, to);
    this.#batchWords = new Uint32Array(this.#batch.buffer, 0, (to - from) >> 2);
    this.#at = 0;
    this.#end = to - from;
    this.#tail = (this.#tail + (to - from)) >>> 0;
    this.#headSeen = this.#signals.publishTail(this.#tail) >>> 0;
    return true;
  }

  async #nextWhenReady(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      if (this.#ended) return DONE;
      // `closed` before head: once the producer has closed, the head read after it is final.
      const closed = this.#signals.load(W.closed);
      const message = this.#take();
      if (message) return { done: false, value: message };
      if (closed) {
        this.close();
        return DONE;
      }
      await this.#signals.sleep("consumer", this.#tail);
    }
  }

  #corrupt(what: string): FrameError {
    this.close();
    return new FrameError(`${this.#medium} is corrupt: ${what}`);
  }
}
