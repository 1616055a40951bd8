/**
 * The consumer's queue of received messages: core's AsyncQueue (items, parked takers, end and
 * close), plus the bookkeeping backpressure needs — how many messages and bytes are buffered.
 *
 * The consumer checks a chunk's frames on its hot path and hands them over as they are; a
 * message is queued as a view of its frame without the envelope's tag byte (no copy). A
 * message that finds an iteration waiting goes straight to it and is never buffered.
 *
 * Backpressure: `full` says when the reader should stop reading; once the iteration has taken
 * the queue down to half of both limits, `resume` is called once.
 */

import { AsyncQueue, ENVELOPE_BYTES } from "@ipc-atlas/core";

export class Inbox implements AsyncIterator<Uint8Array> {
  readonly #highBytes: number;
  readonly #highCount: number;
  readonly #resume: () => void;
  readonly #queue = new AsyncQueue<Buffer>();
  /** Frame bytes buffered (messages plus their tag bytes). */
  #bytes = 0;
  #resumeWanted = false;

  constructor(highBytes: number, highCount: number, resume: () => void) {
    this.#highBytes = highBytes;
    this.#highCount = highCount;
    this.#resume = resume;
  }

  /** Messages received and not yet taken. */
  get count(): number {
    return this.#queue.length;
  }

  /** At or above a limit: stop reading until `resume` is called. */
  get full(): boolean {
    return this.#bytes >= this.#highBytes || this.#queue.length >= this.#highCount;
  }

  /** Asks for one `resume` call once the iteration has taken the queue down to half. */
  wantResume(): void {
    this.#resumeWanted = true;
  }

  /** Queues DATA frames (envelope tag included, checked by the caller), in order. */
  pushFrames(frames: Buffer[]): void {
    const queue = this.#queue;
    if (queue.settled) return; // the stream already ended: nobody will take them
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (queue.waiting === 0) this.#bytes += frame.byteLength;
      queue.push(frame.subarray(ENVELOPE_BYTES));
    }
  }

  /** No more messages will come: the iteration ends after the ones already queued. */
  end(): void {
    this.#queue.end();
  }

  /** Stops: what is buffered is dropped and every waiting iteration ends. */
  close(): void {
    this.#queue.close();
    this.#bytes = 0;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const message = this.#queue.shift();
    if (message === undefined) return this.#queue.next();
    this.#bytes -= message.byteLength + ENVELOPE_BYTES;
    if (
      this.#resumeWanted &&
      this.#bytes <= this.#highBytes / 2 &&
      this.#queue.length <= this.#highCount / 2
    ) {
      this.#resumeWanted = false;
      this.#resume();
    }
    return Promise.resolve({ done: false, value: message });
  }
}
