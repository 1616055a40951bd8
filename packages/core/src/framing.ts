/**
 * Length-prefixed framing for byte streams (pipes, FIFOs, TCP, Unix sockets).
 *
 * A frame is a 4-byte big-endian unsigned length followed by that many bytes. Byte streams
 * have no message boundaries, so every stream variant shares this one codec. The decoder
 * checks each length against a limit *before* it buffers the body: a corrupt or hostile
 * prefix (say 0xFFFFFFFF) becomes a FrameError instead of a 4 GiB allocation.
 */

import { FrameError, MessageTooLargeError } from "./errors.ts";

export const FRAME_HEADER_BYTES = 4;
/** Default largest frame body: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Encodes one message as header + body (one buffer, so a single write keeps it whole). */
export function encodeFrame(message: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  if (message.byteLength > maxFrameBytes) {
    throw new MessageTooLargeError(message.byteLength, maxFrameBytes, "a frame");
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.byteLength);
  frame.writeUInt32BE(message.byteLength, 0);
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Incremental decoder: push chunks as they arrive, take whole messages out.
 * After a FrameError the decoder stays failed; the stream it reads cannot be trusted again.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #failure: FrameError | undefined;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as messages. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Adds a chunk and returns every message it completes. Throws FrameError on a bad length. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.#failure) throw this.#failure;
    if (chunk.byteLength > 0) {
      this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.#buffered += chunk.byteLength;
    }
    const messages: Buffer[] = [];
    while (this.#buffered >= FRAME_HEADER_BYTES) {
      const length = this.#peekLength();
      if (length > this.maxFrameBytes) {
        this.#failure = new FrameError(
          `frame length ${length} exceeds the ${this.maxFrameBytes}-byte limit; refusing to allocate it`,
          { length, limit: this.maxFrameBytes },
        );
        this.#chunks = [];
        this.#buffered = 0;
        throw this.#failure;
      }
      if (this.#buffered < FRAME_HEADER_BYTES + length) break;
      const frame = this.#take(FRAME_HEADER_BYTES + length);
      messages.push(frame.subarray(FRAME_HEADER_BYTES));
    }
    return messages;
  }

  /** Call at end of stream: a partial frame left over means the peer stopped mid-message. */
  end(): void {
    if (this.#failure) throw this.#failure;
    if (this.#buffered > 0) {
      throw new FrameError(`stream ended inside a frame (${this.#buffered} bytes of an unfinished frame)`, {
        trailingBytes: this.#buffered,
      });
    }
  }

  #peekLength(): number {
    const first = this.#chunks[0]!;
    if (first.byteLength >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    return Buffer.concat(this.#chunks, FRAME_HEADER_BYTES).readUInt32BE(0);
  }

  #take(bytes: number): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.byteLength >= bytes) {
      // Common case: the whole frame is in one chunk; hand out a view, no copy.
      out = first.subarray(0, bytes);
      if (first.byteLength === bytes) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(bytes);
    } else {
      out = Buffer.allocUnsafe(bytes);
      let filled = 0;
      while (filled < bytes) {
        const chunk = this.#chunks[0]!;
        const n = Math.min(chunk.byteLength, bytes - filled);
        chunk.copy(out, filled, 0, n);
        filled += n;
        if (n === chunk.byteLength) this.#chunks.shift();
        else this.#chunks[0] = chunk.subarray(n);
      }
    }
    this.#buffered -= bytes;
    return out;
  }
}
