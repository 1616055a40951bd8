/**
 * pipes-unnamed-io: the io.Pipe of pipe.ts composed with Node streams, as Go composes
 * io.Reader and io.Writer. `pipeWritable(writer)` is a Writable whose write callback fires only
 * once the pipe's reader has consumed the chunk; `pipeReadable(reader)` is a Readable that reads
 * the pipe into its buffer. Put them at the ends of `stream.pipeline` and anything fits in
 * between: gzip on one side, gunzip on the other, a file, stdout. The variant frames messages
 * over such a Writable/Readable pair; its Readable has highWaterMark 0 so it never reads ahead,
 * which keeps `send` pending until the consumer takes the message (synchronous).
 */

import { Readable, Writable } from "node:stream";
import {
  ClosedError,
  type Consumer,
  defineVariant,
  FrameDecoder,
  type Producer,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { pipesUnnamedIoCard } from "./cards.ts";
import { demo } from "./demo-pipes-unnamed-io.ts";
import { Pipe, type PipeReader, type PipeWriter } from "./pipe.ts";
import { framedPipeProducer, openPipeEndpoint, type UnnamedPipeAddress } from "./pipes-unnamed.ts";

export interface PipeReadableOptions {
  /** How many bytes the Readable buffers ahead of its consumer. Node's default (16 KiB) when omitted. */
  highWaterMark?: number;
  /** Size of each read from the pipe. Default 64 KiB. */
  chunkSize?: number;
}

/** A Readable over a PipeReader: EOF ends it, the writer's close error destroys it. */
export function pipeReadable(reader: PipeReader, options: PipeReadableOptions = {}): Readable {
  const scratch = new Uint8Array(options.chunkSize ?? 64 * 1024);
  return new Readable({
    ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
    read() {
      const pull = (): void => {
        reader.read(scratch).then(
          (count) => {
            if (count === null) this.push(null);
            // An empty write meets a read of 0 bytes; Readable needs a push to call read() again.
            else if (count === 0) pull();
            else this.push(Buffer.from(scratch.subarray(0, count)));
          },
          (error: Error) => this.destroy(error),
        );
      };
      pull();
    },
    destroy(error, callback) {
      // Whoever writes learns that nobody reads any more.
      reader.closeWithError(error ?? undefined);
      callback(error);
    },
  });
}

export interface PipeWritableOptions {
  /** Bytes the Writable queues before write() returns false. Node's default when omitted. */
  highWaterMark?: number;
}

/**
 * A Writable over a PipeWriter. Each chunk's callback fires once the reader consumed it;
 * `end()` closes the pipe (the reader gets EOF); destroy(error) closes it with that error.
 */
export function pipeWritable(writer: PipeWriter, options: PipeWritableOptions = {}): Writable {
  let ended = false;
  return new Writable({
    ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
    write(chunk: Buffer, _encoding, callback) {
      writer.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      ended = true;
      writer.close();
      callback();
    },
    destroy(error, callback) {
      // Destroyed before end(): the reader must not mistake the cut for a clean EOF.
      if (!ended) writer.closeWithError(error ?? new ClosedError("the pipe's writable stream"));
      callback(error);
    },
  });
}

/** A Pipe with a Writable at its write end and a Readable at its read end. */
export function createStreamPipe(
  options: { readable?: PipeReadableOptions; writable?: PipeWritableOptions } = {},
): {
  pipe: Pipe;
  readable: Readable;
  writable: Writable;
} {
  const pipe = new Pipe();
  return {
    pipe,
    readable: pipeReadable(pipe.reader, options.readable),
    writable: pipeWritable(pipe.writer, options.writable),
  };
}

// ---------------------------------------------------------------------------------------------
// The Producer/Consumer variant: framed messages through the stream pair.

function streamProducer(address: UnnamedPipeAddress): Producer {
  const writable = pipeWritable(address.pipe.writer, { highWaterMark: 0 });
  // Keep the stream from throwing an unhandled 'error'; each send reports its own failure.
  writable.on("error", () => {});
  return framedPipeProducer(
    (frame) =>
      new Promise<void>((resolve, reject) => {
        writable.write(frame, (error) => {
          // Writes queued behind a failed one get ERR_STREAM_DESTROYED; report the real cause.
          if (error) reject(writable.errored ?? error);
          else resolve();
        });
      }),
    () => new Promise<void>((resolve) => writable.end(() => resolve())),
    address.maxMessageSize,
    "an unnamed pipe (stream)",
  );
}

function streamConsumer(address: UnnamedPipeAddress): Consumer {
  // highWaterMark 0: read the pipe only when the iteration asks, never ahead of it.
  const readable = pipeReadable(address.pipe.reader, { highWaterMark: 0 });
  const decoder = new FrameDecoder(address.maxMessageSize);
  let closed = false;
  async function* messages(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of readable) yield* decoder.push(chunk as Buffer);
    } catch (error) {
      if (closed) return;
      throw error;
    }
    if (!closed) decoder.end();
  }
  const iterator = messages();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      readable.destroy();
    },
  };
}

export const pipesUnnamedIo = defineVariant<Variant<UnnamedPipeAddress>>({
  id: "pipes-unnamed-io",
  taxonomy: {
    ...taxonomy["pipes-unnamed-io"],
    medium: "the same pipe composed with Node streams (stream.pipeline), like Go's io.Reader/io.Writer",
  },
  card: pipesUnnamedIoCard,
  summary:
    "The io.Pipe as a Node Writable/Readable pair for stream.pipeline (gzip, files, stdout); messages are framed.",
  module: import.meta.url,
  open: async (options) => openPipeEndpoint(options),
  producer: async (address) => streamProducer(address),
  consumer: async (address) => streamConsumer(address),
  demo,
});
