/**
 * Where received messages land: the kernel writes each one straight into a slab (a 64 KiB
 * Buffer of this queue's own), and the message handed to the application is a view into it.
 * Views keep their slab alive, so a full slab is replaced rather than reused, which costs less
 * than copying every message out. Queues with large messages copy each one out instead, so
 * that a small message does not pin a large slab.
 *
 * This class takes from the kernel only what it is asked for (one message, or up to `max`):
 * a message taken is gone from the queue (at-most-once), so nothing is read ahead here.
 */

import { mapErrno } from "./errors.ts";
import { type NativeBinding, PRIORITY_SHIFT } from "./native.ts";
import type { ReceivedMessage } from "./options.ts";

const SLAB_BYTES = 64 * 1024;
/** Above this messageSize a received message is copied out instead of pinning a large slab. */
const SLAB_MESSAGE_LIMIT = 16 * 1024;
/** The most messages one native receiveMany call takes (the size of the meta array). */
const BATCH_MAX = 256;

/**
 * Makes a received message's Buffer: a view into the receive slab. Buffer's species is the
 * class Node makes every Buffer view with (its FastBuffer; subarray() uses it too); calling it
 * directly skips Buffer.from's argument checks, which are a measurable part of a receive (see
 * docs/notes/message-queue-performance.md). A Uint8Array subclass of our own with
 * Buffer.prototype spliced in was slower: V8 kept abandoning its optimization.
 */
const BufferView = (
  Buffer as unknown as { [Symbol.species]: new (b: ArrayBuffer, o: number, l: number) => Buffer }
)[Symbol.species];

export class ReceiveSlab {
  readonly #native: NativeBinding;
  readonly #fd: number;
  readonly #messageSize: number;
  /** For error messages: "receive from message queue /orders". */
  readonly #what: string;
  #slab: Buffer = Buffer.alloc(0);
  #slabBuffer: ArrayBuffer = this.#slab.buffer as ArrayBuffer;
  #slabBase = 0;
  #slabOffset = 0;
  #meta = new Uint32Array(BATCH_MAX * 2);

  constructor(binding: NativeBinding, fd: number, messageSize: number, name: string) {
    this.#native = binding;
    this.#fd = fd;
    this.#messageSize = messageSize;
    this.#what = `receive from message queue ${name}`;
  }

  /** Takes one waiting message from the kernel, or undefined; the hot path of receive(). */
  takeOne(): ReceivedMessage | undefined {
    const size = this.#messageSize;
    if (size > SLAB_MESSAGE_LIMIT) return this.take(1)[0];
    let offset = this.#slabOffset;
    if (this.#slab.length - offset < size) {
      this.#newSlab(Math.max(SLAB_BYTES, size));
      offset = 0;
    }
    let packed: number;
    try {
      // The kernel writes straight into the slab (room for messageSize from offset on). The
      // slab's ArrayBuffer is cheaper to look into from native code than a typed array.
      packed = this.#native.receive(this.#fd, this.#slabBuffer, this.#slabBase + offset);
    } catch (error) {
      throw mapErrno(error, this.#what);
    }
    if (packed < 0) return undefined;
    let length = packed;
    let priority = 0;
    if (packed >= PRIORITY_SHIFT) {
      length = packed % PRIORITY_SHIFT;
      priority = (packed - length) / PRIORITY_SHIFT;
    }
    this.#slabOffset = (offset + length + 7) & ~7;
    return { data: new BufferView(this.#slabBuffer, this.#slabBase + offset, length), priority };
  }

  /** Takes up to `max` waiting messages from the kernel; never more. */
  take(max: number): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    const size = this.#messageSize;
    const meta = this.#meta;
    while (out.length < max) {
      const want = Math.min(max - out.length, BATCH_MAX);
      if (size > SLAB_MESSAGE_LIMIT) {
        // Large queues: receive into a scratch buffer and copy out exactly what arrived.
        if (this.#slab.length < size) this.#newSlab(size);
        const n = this.#receiveInto(0, 1);
        if (n === 0) break;
        out.push({ data: Buffer.from(this.#slab.subarray(0, meta[0]!)), priority: meta[1]! });
        continue;
      }
      if (this.#slab.length - this.#slabOffset < size) this.#newSlab(Math.max(SLAB_BYTES, size));
      let offset = this.#slabOffset;
      const n = this.#receiveInto(offset, want);
      for (let i = 0; i < n; i++) {
        const length = meta[2 * i]!;
        out.push({
          data: new BufferView(this.#slabBuffer, this.#slabBase + offset, length),
          priority: meta[2 * i + 1]!,
        });
        offset = (offset + length + 7) & ~7;
      }
      this.#slabOffset = offset;
      if (n < want && this.#slab.length - offset >= size) break; // the queue is empty
      if (n === 0) break;
    }
    return out;
  }

  /** A fresh slab: the messages handed out keep the old one alive as long as they need it. */
  #newSlab(bytes: number): void {
    // Never from the shared pool: the slab's ArrayBuffer is ours alone (see takeOne).
    this.#slab = Buffer.allocUnsafeSlow(bytes);
    this.#slabBuffer = this.#slab.buffer as ArrayBuffer;
    this.#slabBase = this.#slab.byteOffset;
    this.#slabOffset = 0;
  }

  #receiveInto(offset: number, max: number): number {
    try {
      return this.#native.receiveMany(this.#fd, this.#slab, offset, max, this.#messageSize, this.#meta);
    } catch (error) {
      throw mapErrno(error, this.#what);
    }
  }
}
