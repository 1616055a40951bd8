/**
 * An in-process pipe with the semantics of Go's io.Pipe. There is no buffer in the middle: a
 * write hands its bytes straight to reads, and `write` resolves only once the reader has
 * consumed every byte of it, possibly across several reads into the reader's own buffer. The
 * writer closing gives the reader EOF after the data; either side can close with an error that
 * the other side's pending and later calls then reject with. Waits take an AbortSignal.
 *
 * EOF is `null`, not 0: `read` resolves 0 for a zero-length buffer and for a zero-length write
 * (which, as in Go, still meets one read), so 0 cannot also mean "the stream ended".
 */

import { AbortError, ClosedError } from "@ipc-atlas/core";

export interface PipeWaitOptions {
  /** Cancels the wait: the call rejects with AbortError. */
  signal?: AbortSignal;
}

interface PendingWrite {
  readonly bytes: Uint8Array;
  offset: number;
  settle(): void;
  fail(error: Error): void;
}

interface PendingRead {
  readonly buffer: Uint8Array;
  settle(count: number | null): void;
  fail(error: Error): void;
}

/** Shared state of one pipe; the reader and writer are two views on it. */
class PipeState {
  readonly writes: PendingWrite[] = [];
  readonly reads: PendingRead[] = [];
  /** Set once the writer closed: null means a clean EOF, an Error what close reported. */
  writerClosed: { error: Error | null } | undefined;
  /** Set once the reader closed: the error later writes reject with. */
  readerClosed: { error: Error } | undefined;

  /** Hands bytes from the oldest write to the oldest reads until one side runs out. */
  pump(): void {
    while (this.writes.length > 0 && this.reads.length > 0) {
      const write = this.writes[0]!;
      const read = this.reads.shift()!;
      const count = Math.min(write.bytes.byteLength - write.offset, read.buffer.byteLength);
      read.buffer.set(write.bytes.subarray(write.offset, write.offset + count));
      write.offset += count;
      read.settle(count);
      if (write.offset === write.bytes.byteLength) {
        this.writes.shift();
        write.settle();
      }
    }
  }
}

function onAbort(signal: AbortSignal | undefined, abort: () => void): () => void {
  if (!signal) return () => {};
  signal.addEventListener("abort", abort, { once: true });
  return () => signal.removeEventListener("abort", abort);
}

/** The read half of a Pipe. */
export class PipeReader {
  readonly #state: PipeState;

  /** @internal use `new Pipe()` */
  constructor(state: PipeState) {
    this.#state = state;
  }

  /**
   * Reads into `buffer` and resolves with how many bytes were copied (at most
   * `buffer.byteLength`), or `null` at EOF once the writer has closed and every byte was read.
   * Waits while no write is pending. Rejects with the writer's `closeWithError` error, with
   * ClosedError after this reader was closed, and with AbortError when `signal` aborts.
   */
  read(buffer: Uint8Array, options: PipeWaitOptions = {}): Promise<number | null> {
    const state = this.#state;
    if (state.readerClosed) return Promise.reject(new ClosedError("pipe reader"));
    if (state.writes.length === 0 && state.writerClosed) {
      const { error } = state.writerClosed;
      return error ? Promise.reject(error) : Promise.resolve(null);
    }
    if (buffer.byteLength === 0) return Promise.resolve(0);
    if (options.signal?.aborted) return Promise.reject(new AbortError("pipe read"));
    return new Promise<number | null>((resolve, reject) => {
      const pending: PendingRead = {
        buffer,
        settle: (count) => {
          detach();
          resolve(count);
        },
        fail: (error) => {
          detach();
          reject(error);
        },
      };
      const detach = onAbort(options.signal, () => {
        const i = state.reads.indexOf(pending);
        if (i !== -1) state.reads.splice(i, 1);
        reject(new AbortError("pipe read"));
      });
      state.reads.push(pending);
      state.pump();
    });
  }

  /** Closes the read half: pending and later writes reject with ClosedError. */
  close(): void {
    this.closeWithError();
  }

  /**
   * Closes the read half; pending and later writes reject with `error` (ClosedError when
   * omitted). Pending reads on this reader reject with ClosedError. Only the first close counts.
   */
  closeWithError(error?: Error): void {
    const state = this.#state;
    if (state.readerClosed) return;
    state.readerClosed = { error: error ?? new ClosedError("the pipe's read side") };
    for (const write of state.writes.splice(0)) write.fail(state.readerClosed.error);
    for (const read of state.reads.splice(0)) read.fail(new ClosedError("pipe reader"));
  }
}

/** The write half of a Pipe. */
export class PipeWriter {
  readonly #state: PipeState;

  /** @internal use `new Pipe()` */
  constructor(state: PipeState) {
    this.#state = state;
  }

  /**
   * Writes `bytes` and resolves with their count once reads have consumed all of them. The
   * pipe keeps a reference, not a copy: do not change `bytes` until the promise settles.
   * Concurrent writes are consumed one after another in call order. An empty write still waits
   * for one read (which resolves 0), as in Go. Rejects with the reader's `closeWithError` error,
   * with ClosedError after this writer was closed (also for a write still pending then), and
   * with AbortError when `signal` aborts; bytes already read before an abort stay read.
   */
  write(bytes: Uint8Array, options: PipeWaitOptions = {}): Promise<number> {
    const state = this.#state;
    if (state.writerClosed) return Promise.reject(new ClosedError("pipe writer"));
    if (state.readerClosed) return Promise.reject(state.readerClosed.error);
    if (options.signal?.aborted) return Promise.reject(new AbortError("pipe write"));
    return new Promise<number>((resolve, reject) => {
      const pending: PendingWrite = {
        bytes,
        offset: 0,
        settle: () => {
          detach();
          resolve(bytes.byteLength);
        },
        fail: (error) => {
          detach();
          reject(error);
        },
      };
      const detach = onAbort(options.signal, () => {
        const i = state.writes.indexOf(pending);
        if (i !== -1) state.writes.splice(i, 1);
        const what =
          pending.offset > 0
            ? `pipe write (after ${pending.offset} of ${bytes.byteLength} bytes were read)`
            : "pipe write";
        reject(new AbortError(what));
      });
      state.writes.push(pending);
      state.pump();
    });
  }

  /** Closes the write half: the reader gets EOF (null) after the bytes already written. */
  close(): void {
    this.#close(null);
  }

  /**
   * Closes the write half; the reader's pending and later reads reject with `error` (EOF when
   * omitted). Writes still pending reject with ClosedError. Only the first close counts.
   */
  closeWithError(error?: Error): void {
    this.#close(error ?? null);
  }

  #close(error: Error | null): void {
    const state = this.#state;
    if (state.writerClosed) return;
    state.writerClosed = { error };
    for (const write of state.writes.splice(0)) write.fail(new ClosedError("pipe writer"));
    for (const read of state.reads.splice(0)) {
      if (error) read.fail(error);
      else read.settle(null);
    }
  }
}

/** An io.Pipe: `writer.write` resolves once `reader.read` calls have consumed the bytes. */
export class Pipe {
  readonly reader: PipeReader;
  readonly writer: PipeWriter;

  constructor() {
    const state = new PipeState();
    this.reader = new PipeReader(state);
    this.writer = new PipeWriter(state);
  }
}

/** `const { reader, writer } = createPipe()`, like Go's `r, w := io.Pipe()`. */
export function createPipe(): Pipe {
  return new Pipe();
}
