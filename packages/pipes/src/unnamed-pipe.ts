/**
 * pipes-unnamed: an in-process pipe with the semantics of Go's io.Pipe. There is no buffer in
 * the middle: a write hands its bytes straight to reads, and `write` resolves only once the
 * reader has consumed every byte of it, possibly across several reads into the reader's own
 * buffer. The writer closing gives the reader EOF after the data; either side can close with an
 * error that the other side's pending and later calls then reject with. Waits take an
 * AbortSignal. The variant carries framed messages (core's length-prefixed codec) over this
 * byte stream, so `send` resolves when the consumer has read the whole frame: synchronous.
 *
 * EOF is `null`, not 0: `read` resolves 0 for a zero-length buffer and for a zero-length write
 * (which, as in Go, still meets one read), so 0 cannot also mean "the stream ended".
 */

import {
  AbortError,
  ClosedError,
  type Consumer,
  type Endpoint,
  encodeFrame,
  FrameDecoder,
  MessageTooLargeError,
  type Narrator,
  type OpenOptions,
  type Producer,
  preview,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { pipesUnnamedCard } from "./cards.ts";

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

// ---------------------------------------------------------------------------------------------
// The Producer/Consumer variant: framed messages over one Pipe.

/** In-process address: the pipe itself and the message limit both ends agree on. */
export interface UnnamedPipeAddress {
  readonly pipe: Pipe;
  readonly maxMessageSize: number;
}

/** Default largest message; `open({ maxMessageSize })` changes it (up to core's frame limit). */
export const DEFAULT_PIPE_MESSAGE_BYTES = 1024 * 1024;
/** The consumer's read buffer: a larger frame arrives in several reads. */
const READ_CHUNK_BYTES = 64 * 1024;

export function openPipeEndpoint(options: OpenOptions = {}): Endpoint<UnnamedPipeAddress> {
  const pipe = new Pipe();
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_PIPE_MESSAGE_BYTES;
  return {
    address: { pipe, maxMessageSize },
    maxMessageSize,
    async close() {
      pipe.writer.closeWithError(new ClosedError("pipe"));
      pipe.reader.closeWithError(new ClosedError("pipe"));
    },
  };
}

/** A Producer over any byte writer with io.Pipe semantics (used by both unnamed variants). */
export function framedPipeProducer(
  write: (frame: Uint8Array) => Promise<unknown>,
  end: () => Promise<void>,
  maxMessageSize: number,
  medium: string,
): Producer {
  let closed = false;
  // The latest send; close() waits for it so the end comes after every message.
  let last: Promise<unknown> = Promise.resolve();
  return {
    send(message) {
      if (closed) return Promise.reject(new ClosedError("producer"));
      if (message.byteLength > maxMessageSize) {
        return Promise.reject(new MessageTooLargeError(message.byteLength, maxMessageSize, medium));
      }
      const sending = write(encodeFrame(message, maxMessageSize)).then(() => {});
      last = sending.catch(() => {});
      return sending;
    },
    async close() {
      if (closed) return;
      closed = true;
      await last;
      await end();
    },
  };
}

function pipeProducer(address: UnnamedPipeAddress): Producer {
  const { writer } = address.pipe;
  return framedPipeProducer(
    (frame) => writer.write(frame),
    async () => writer.close(),
    address.maxMessageSize,
    "an unnamed pipe",
  );
}

function pipeConsumer(address: UnnamedPipeAddress): Consumer {
  const { reader } = address.pipe;
  const decoder = new FrameDecoder(address.maxMessageSize);
  const scratch = new Uint8Array(READ_CHUNK_BYTES);
  let closed = false;
  async function* messages(): AsyncGenerator<Uint8Array> {
    // Reads happen only while the application asks for the next message, so a write is
    // consumed (and `send` resolves) exactly when the consumer takes the message.
    for (;;) {
      let count: number | null;
      try {
        count = await reader.read(scratch);
      } catch (error) {
        if (closed) return;
        throw error;
      }
      if (count === null) {
        decoder.end();
        return;
      }
      // Copy out of the reused scratch buffer: the decoder keeps views of what it is given.
      yield* decoder.push(scratch.slice(0, count));
    }
  }
  const iterator = messages();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      reader.close();
    },
  };
}

async function demo(narrator: Narrator): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  narrator.note("Go's io.Pipe example, retold: r, w := io.Pipe()");
  narrator.note('go func() { fmt.Fprint(w, "some io.Reader stream to be read\\n"); w.Close() }()');
  narrator.note("io.Copy(os.Stdout, r) — here the reader copies with an 8-byte buffer, slowly");
  const { reader, writer } = createPipe();
  const text = Buffer.from("some io.Reader stream to be read\n");
  narrator.say(
    "writer",
    "WRITE",
    `${text.byteLength} bytes ${preview(text.subarray(0, text.byteLength - 1))}`,
  );
  let written = false;
  const writing = writer.write(text).then(() => {
    written = true;
  });
  await sleep(300);
  if (!written) narrator.say("writer", "WAIT", "write still pending after 300 ms: nobody has read yet");
  const buffer = new Uint8Array(8);
  let consumed = 0;
  let reported = false;
  for (;;) {
    const n = await reader.read(buffer);
    if (n === null) {
      narrator.say("reader", "EOF", "read resolved null: the writer closed and every byte was read");
      break;
    }
    consumed += n;
    const piece = Buffer.from(buffer.subarray(0, n)).toString().replace("\n", "\\n");
    narrator.say("reader", "READ", `${n} byte${n === 1 ? "" : "s"} "${piece}"`);
    // Let the writer's promise settle if this read was the last one it waited for.
    await sleep(0);
    const unread = text.byteLength - consumed;
    if (!written)
      narrator.say("writer", "WAIT", `still pending: ${unread} byte${unread === 1 ? "" : "s"} not read yet`);
    else if (!reported) {
      reported = true;
      narrator.say("writer", "WROTE", `write resolved: the reader has consumed all ${text.byteLength} bytes`);
      writer.close();
      narrator.say("writer", "CLOSE", "the reader will see EOF after the data");
    }
    await sleep(150);
  }
  await writing;

  narrator.note(
    "The same pipe as a Producer/Consumer: framed messages; send resolves when the consumer took one.",
  );
  const endpoint = openPipeEndpoint();
  const consumer = pipesUnnamed.consumer(endpoint.address);
  const producer = await pipesUnnamed.producer(endpoint.address);
  const iterator = (await consumer)[Symbol.asyncIterator]();
  try {
    for (const word of ["hello", "pipe"]) {
      const message = Buffer.from(word);
      narrator.say("producer", "SEND", preview(message));
      let sent = false;
      const sending = producer.send(message).then(() => {
        sent = true;
        narrator.say("producer", "SENT", `${preview(message)} — the consumer has read the frame`);
      });
      await sleep(200);
      if (!sent) narrator.say("producer", "WAIT", "send pending for 200 ms: the consumer has not asked yet");
      const next = await iterator.next();
      narrator.say("consumer", "RECEIVED", preview(next.value as Uint8Array));
      await sending;
    }
    await producer.close();
    narrator.say("producer", "CLOSE", "");
    if ((await iterator.next()).done)
      narrator.say("consumer", "END", "iteration finished after the last message");
  } finally {
    await endpoint.close();
  }
}

export const pipesUnnamed: Variant<UnnamedPipeAddress> = {
  id: "pipes-unnamed",
  taxonomy: {
    ...taxonomy["pipes-unnamed"],
    medium: "an io.Pipe-like pipe: a write resolves only when the reader has taken the bytes",
  },
  card: pipesUnnamedCard,
  summary:
    "An in-process io.Pipe: a write resolves only once the reader has consumed its bytes; messages are length-prefixed frames.",
  module: import.meta.url,
  open: async (options) => openPipeEndpoint(options),
  producer: async (address) => pipeProducer(address),
  consumer: async (address) => pipeConsumer(address),
  demo,
};
