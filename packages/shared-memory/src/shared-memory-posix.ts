/**
 * The `shared-memory-posix` variant: producer and consumer in separate OS processes share a
 * POSIX shared-memory object (shm_open, O_EXCL, mode 0600, ftruncate, mmap MAP_SHARED; it
 * shows up in /dev/shm) holding the ring of ring.ts. Both processes map it into their address
 * space as an external ArrayBuffer, so a record is copied once, straight into memory the other
 * process reads, with no system call per message. The addon publishes each batch's index with
 * C11 release/acquire atomics in one call.
 *
 * A side with nothing to do raises its waiting flag and polls its doorbell, a FIFO, with
 * uv_poll on the event loop; the other side writes one byte into it only when it sees the
 * flag raised. The doorbell also tells of the other side's death: when that process ends, its
 * end of the FIFO closes and the sleeper reads end-of-file; a sleeper also checks the other
 * side's pid (in the ring's header) every 250 ms. Either way the wait ends with a PeerGoneError,
 * never a hang.
 *
 * The address is JSON: the object's name and the 0700 directory of the two doorbells.
 * Endpoint.close() unlinks both, and so does this process's exit on a signal (core's atExit);
 * what a kill -9 leaves behind, the next open() removes (stale-rings.ts).
 */

import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, constants, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { atExit, defineVariant, IpcError, PeerGoneError, taxonomy, type Variant } from "@ipc-atlas/core";
import { sharedMemoryPosixCard } from "./cards.ts";
import { demoPosix } from "./demo-shared-memory-posix.ts";
import { ringError } from "./errors.ts";
import { type NativeBinding, native } from "./native.ts";
import {
  HEADER_BYTES,
  maxPayload,
  RingConsumer,
  RingProducer,
  type RingSignals,
  ringBytesFor,
  W,
} from "./ring.ts";
import { alive, doorbellDirectory, sweepStaleRings } from "./stale-rings.ts";

export interface PosixRingAddress {
  /** The shared-memory object, like "/ipc-atlas-shm-4242-9f1c2b3a" (/dev/shm/ipc-atlas-shm-…). */
  name: string;
  /** A 0700 directory holding the doorbells `to-producer` and `to-consumer` (FIFOs, 0600). */
  doorbells: string;
}

type Role = "producer" | "consumer";

const MEDIUM = "POSIX shared-memory ring";
/** How often a sleeping side checks that the other side's process still lives. */
export const PEER_CHECK_MS = 250;
const BELL = Buffer.of(1);

/** A fresh name per ring: pid + random, so parallel runs never share one. */
export function uniqueRingName(prefix = "ipc-atlas-shm"): string {
  return `/${prefix}-${process.pid}-${randomBytes(6).toString("hex")}`;
}

// Rings this process created and has not removed yet: removed at exit, also on a signal.
const owned = new Map<string, () => void>();
const removeOwned = () => {
  for (const remove of owned.values()) remove();
};

/**
 * Creates a ring of `bytes` data bytes (a power of two) under a fresh name (or `name`, which
 * must not exist yet), with its doorbells; returns its address and a function that removes
 * both (idempotent).
 */
export function createPosixRing(
  bytes: number,
  name = uniqueRingName(),
): { address: PosixRingAddress; remove(): void } {
  const addon = native();
  // Rings a kill -9 left behind go first (see stale-rings.ts); never a reason to fail this one.
  try {
    sweepStaleRings();
  } catch {}
  try {
    addon.unmap(addon.map(name, true, bytes));
  } catch (error) {
    throw ringError(error, name);
  }
  // Named after the ring, so that a sweep finds it; mkdir fails on an existing path (as O_EXCL).
  const doorbells = doorbellDirectory(name);
  let made = false;
  try {
    mkdirSync(doorbells, { mode: 0o700 });
    made = true;
    chmodSync(doorbells, 0o700); // exact, whatever the umask
    addon.mkfifo(join(doorbells, "to-producer"));
    addon.mkfifo(join(doorbells, "to-consumer"));
  } catch (error) {
    addon.unlink(name);
    if (made) rmSync(doorbells, { recursive: true, force: true });
    throw error;
  }
  const remove = () => {
    if (!owned.delete(name)) return;
    addon.unlink(name);
    rmSync(doorbells, { recursive: true, force: true });
  };
  owned.set(name, remove);
  atExit(removeOwned);
  return { address: { name, doorbells }, remove };
}

/** Removes a ring's shared-memory object by name; false when there was none. `sweepStaleRings()` finds stale ones. */
export function unlinkRing(name: string): boolean {
  return native().unlink(name);
}

/** One side's view of a ring: the mapping, its own doorbell (read) and the other's (write). */
class PosixSignals implements RingSignals {
  readonly ring: ArrayBuffer;
  readonly #addon: NativeBinding;
  readonly #role: Role;
  readonly #name: string;
  readonly #mine: number;
  readonly #peerPath: string;
  #peerFd = -1;
  readonly #poller: object;
  // Held here: the addon references its callback weakly while nobody sleeps.
  readonly #bell = () => this.#onBell();
  #wake: ((gone?: Error) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #released = false;

  constructor(address: PosixRingAddress, role: Role) {
    this.#addon = native();
    this.#role = role;
    this.#name = address.name;
    try {
      this.ring = this.#addon.map(address.name, false, 0);
    } catch (error) {
      throw ringError(error, address.name);
    }
    const holder = this.#addon.claim(
      this.ring,
      role === "producer" ? W.producerPid : W.consumerPid,
      process.pid,
    );
    if (holder !== 0) {
      this.#addon.unmap(this.ring);
      throw new IpcError("EBUSY", `ring ${address.name} already has a ${role} (pid ${holder})`, {
        hint: `a ring carries one stream from one producer to one consumer; open another ring for another ${role}`,
      });
    }
    const other = role === "producer" ? "consumer" : "producer";
    // Non-blocking: opening a FIFO's read end never waits for a writer this way.
    this.#mine = openSync(join(address.doorbells, `to-${role}`), constants.O_RDONLY | constants.O_NONBLOCK);
    this.#peerPath = join(address.doorbells, `to-${other}`);
    this.#openPeer();
    this.#poller = this.#addon.pollCreate(this.#mine, this.#bell);
  }

  /** Opens the other side's doorbell for writing once it is there (it opens its read end first). */
  #openPeer(): boolean {
    if (this.#peerFd >= 0) return true;
    try {
      this.#peerFd = openSync(this.#peerPath, constants.O_WRONLY | constants.O_NONBLOCK);
      return true;
    } catch {
      return false; // ENXIO: nobody reads it yet, so nobody sleeps on it either
    }
  }

  #signal(store: number, value: number, load: number, waiting: number): number {
    const result = this.#addon.signal(this.ring, store, value, load, waiting, this.#peerFd);
    if (result < 2 ** 32) return result;
    // A ring was due before this side had the doorbell open: open it and ring now.
    if (this.#openPeer()) {
      try {
        writeSync(this.#peerFd, BELL);
      } catch {
        // EAGAIN: rings already wait unread; EPIPE: the sleeper is gone and will not need it.
      }
    }
    return result - 2 ** 32;
  }

  publishHead(head: number): number {
    return this.#signal(W.head, head | 0, W.tail, W.consumerWaiting);
  }

  publishTail(tail: number): number {
    return this.#signal(W.tail, tail | 0, W.head, W.producerWaiting);
  }

  load(word: number): number {
    return this.#addon.load(this.ring, word);
  }

  raise(word: number): void {
    if (this.#released) return;
    this.#signal(word, 1, W.magic, word === W.closed ? W.consumerWaiting : W.producerWaiting);
  }

  sleep(role: Role, seen: number): Promise<void> {
    if (this.#released) return Promise.resolve();
    const flag = role === "producer" ? W.producerWaiting : W.consumerWaiting;
    const index = role === "producer" ? W.tail : W.head;
    const stop = role === "producer" ? W.consumerClosed : W.closed;
    // Hold the other side's doorbell open: if this process dies, the other reads end-of-file.
    this.#openPeer();
    // Raise the flag, fence, and look once more: a batch published before the other side could
    // see the flag is seen here, one published after it rings the doorbell.
    const now = this.#addon.signal(this.ring, flag, 1, index, -1, -1);
    if (now !== seen || this.load(stop)) {
      this.#addon.signal(this.ring, flag, 0, W.magic, -1, -1);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.#wake = (gone) => {
        this.#wake = undefined;
        this.#addon.pollStart(this.#poller, false);
        clearInterval(this.#timer);
        if (gone) reject(gone);
        else resolve();
      };
      this.#addon.pollStart(this.#poller, true);
      this.#timer = setInterval(() => this.#checkPeer(), PEER_CHECK_MS);
    });
  }

  #onBell(): void {
    const state = this.#addon.drain(this.#mine);
    // End of file: the other side's doorbell descriptor closed. After a close() it raised its
    // flag first; without the flag, its process ended without closing: it died.
    const stop = this.#role === "producer" ? W.consumerClosed : W.closed;
    if (state === -1 && !this.load(stop)) this.#wake?.(this.#gone("its doorbell closed"));
    else this.#wake?.();
  }

  #checkPeer(): void {
    const pid = this.load(this.#role === "producer" ? W.consumerPid : W.producerPid);
    if (pid !== 0 && !alive(pid)) this.#wake?.(this.#gone(`process ${pid} is gone`));
  }

  #gone(how: string): PeerGoneError {
    const other = this.#role === "producer" ? "consumer" : "producer";
    return new PeerGoneError(
      `the ${other} of ring ${this.#name} died without closing it (${how})`,
      `records it had not ${other === "consumer" ? "read are lost with it" : "published never arrive"}; open a new ring`,
    );
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#wake?.();
    this.#addon.pollClose(this.#poller);
    closeSync(this.#mine);
    if (this.#peerFd >= 0) closeSync(this.#peerFd);
    this.#addon.unmap(this.ring);
  }
}

function attach(address: PosixRingAddress, role: Role) {
  if (typeof address?.name !== "string" || typeof address?.doorbells !== "string") {
    throw new IpcError("EINVAL", "a shared-memory-posix address is { name, doorbells }", {
      hint: "pass the address that sharedMemoryPosix.open() returned",
    });
  }
  const signals = new PosixSignals(address, role);
  const data = new Uint8Array(signals.ring, HEADER_BYTES, signals.ring.byteLength - HEADER_BYTES);
  return { data, signals };
}

/** The producer of a ring in another process, with trySend and how many bytes wait in the ring. */
export function posixProducer(address: PosixRingAddress): RingProducer {
  const { data, signals } = attach(address, "producer");
  return new RingProducer(data, signals, `${MEDIUM} ${address.name}`);
}

/** The consumer of a ring (an async iterable of messages). */
export function posixConsumer(address: PosixRingAddress): RingConsumer {
  const { data, signals } = attach(address, "consumer");
  return new RingConsumer(data, signals, `${MEDIUM} ${address.name}`);
}

export const sharedMemoryPosix = defineVariant<Variant<PosixRingAddress>>({
  id: "shared-memory-posix",
  taxonomy: {
    ...taxonomy["shared-memory-posix"],
    medium: "a ring of records in a POSIX shared-memory object (shm_open + mmap) between processes",
  },
  card: sharedMemoryPosixCard,
  summary:
    "A ring of length-prefixed records in a POSIX shared-memory object mapped by both processes (native " +
    "addon): one copy per message, no system call per message, a FIFO doorbell only when a side sleeps.",
  module: import.meta.url,
  async open(options = {}) {
    const bytes = ringBytesFor(options);
    const { address, remove } = createPosixRing(bytes);
    return {
      address,
      maxMessageSize: maxPayload(bytes),
      async close() {
        remove();
      },
    };
  },
  async producer(address) {
    return posixProducer(address);
  },
  async consumer(address) {
    return posixConsumer(address);
  },
  demo: demoPosix,
});
