/**
 * The consumer's queue of received messages, and the async iterator that takes them out.
 *
 * Why hand-written: at 64 B a message costs well under a microsecond to receive, so the
 * iteration must add as little as it can. An async generator costs several promises and
 * microtask turns per step; here a step with messages waiting is one already-resolved promise
 * (the least `for await` can take), and only an empty queue creates a pending promise.
 *
 * The queue holds whole batches: the array of DATA frames that core's FrameDecoder returned for
 * one chunk read from a socket, already checked, queued as it is. A message is cut out of its
 * frame (a view without the envelope's tag byte) only when the iteration takes it, so
 * receiving costs nothing per message beyond the check, and the bookkeeping (bytes held,
 * backpressure) happens once per batch.
 *
 * Backpressure: `full` says when the reader should stop reading; once the iteration has taken
 * the queue down to half of both limits, `resume` is called once.
 */

import { ENVELOPE_BYTES } from "@ipc-atlas/core";

const DONE: IteratorResult<Uint8Array> = { done: true, value: undefined };
const DONE_PROMISE: Promise<IteratorResult<Uint8Array>> = Promise.resolve(DONE);
const NO_FRAMES: Buffer[] = [];
const EMPTY_BATCH = { frames: NO_FRAMES, bytes: 0 };

export class Inbox implements AsyncIterator<Uint8Array> {
  readonly #highBytes: number;
  readonly #highCount: number;
  readonly #resume: () => void;
  /** The batch being taken from, and the next frame in it. */
  #frames: Buffer[] = NO_FRAMES;
  #index = 0;
  #framesBytes = 0;
  /** Batches after the current one, oldest first: #later[#laterHead ...]. */
  #later: (typeof EMPTY_BATCH)[] = [];
  #laterHead = 0;
  /** Messages and frame bytes queued (the current batch counts until it is finished). */
  #count = 0;
  #bytes = 0;
  #ended = false;
  #resumeWanted = false;
  #waiter: ((result: IteratorResult<Uint8Array>) => void) | undefined;

  constructor(highBytes: number, highCount: number, resume: () => void) {
    this.#highBytes = highBytes;
    this.#highCount = highCount;
    this.#resume = resume;
  }

  /** Messages received and not yet taken. */
  get count(): number {
    return this.#count;
  }

  /** At or above a limit: stop reading until `resume` is called. */
  get full(): boolean {
    return this.#bytes >= this.#highBytes || this.#count >= this.#highCount;
  }

  /** Asks for one `resume` call once the iteration has taken the queue down to half. */
  wantResume(): void {
    this.#resumeWanted = true;
  }

  /**
   * Queues a batch of DATA frames (envelope tag included, checked by the caller) holding
   * `bytes` bytes in all. The array becomes the inbox's. A waiting iteration gets the first.
   */
  pushFrames(frames: Buffer[], bytes: number): void {
    if (frames.length === 0) return;
    this.#count += frames.length;
    this.#bytes += bytes;
    if (this.#frames === NO_FRAMES) {
      this.#frames = frames;
      this.#framesBytes = bytes;
    } else {
      this.#later.push({ frames, bytes });
    }
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter({ done: false, value: this.#take() });
    }
  }

  /** No more messages will come: the iteration ends after the ones already queued. */
  end(): void {
    this.#ended = true;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(DONE);
    }
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#count > 0) return Promise.resolve({ done: false, value: this.#take() });
    if (this.#ended) return DONE_PROMISE;
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** `break` in a `for await`: the consumer stays open (close() it to stop receiving). */
  return(): Promise<IteratorResult<Uint8Array>> {
    return DONE_PROMISE;
  }

  /** The next message; only called while #count > 0, so the current batch has one. */
  #take(): Buffer {
    const frames = this.#frames;
    const frame = frames[this.#index++]!;
    this.#count--;
    if (this.#index === frames.length) this.#nextBatch();
    return frame.subarray(ENVELOPE_BYTES);
  }

  /** The current batch is taken: its bytes no longer count, the next one (if any) starts, and
   *  reading may resume. */
  #nextBatch(): void {
    this.#bytes -= this.#framesBytes;
    this.#index = 0;
    if (this.#laterHead < this.#later.length) {
      const batch = this.#later[this.#laterHead]!;
      this.#later[this.#laterHead++] = EMPTY_BATCH;
      if (this.#laterHead === this.#later.length) {
        this.#later = [];
        this.#laterHead = 0;
      }
      this.#frames = batch.frames;
      this.#framesBytes = batch.bytes;
    } else {
      this.#frames = NO_FRAMES;
      this.#framesBytes = 0;
    }
    if (this.#resumeWanted && this.#bytes <= this.#highBytes / 2 && this.#count <= this.#highCount / 2) {
      this.#resumeWanted = false;
      this.#resume();
    }
  }
}
