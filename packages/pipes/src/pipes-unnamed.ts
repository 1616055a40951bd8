/**
 * pipes-unnamed: Go's io.Pipe inside one process (the Pipe of pipe.ts): no buffer in the middle,
 * and a write resolves only once the reader has consumed every byte of it. The variant carries
 * framed messages (core's length-prefixed codec) over this byte stream, so `send` resolves when
 * the consumer has read the whole frame: synchronous.
 */

import {
  ClosedError,
  type Consumer,
  defineVariant,
  type Endpoint,
  encodeFrame,
  FrameDecoder,
  MessageTooLargeError,
  type OpenOptions,
  type Producer,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { pipesUnnamedCard } from "./cards.ts";
import { demo } from "./demo-pipes-unnamed.ts";
import { Pipe } from "./pipe.ts";

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

export const pipesUnnamed = defineVariant<Variant<UnnamedPipeAddress>>({
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
});
