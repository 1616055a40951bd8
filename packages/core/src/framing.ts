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
/** A split frame's buffer starts at this size (or the frame's, if smaller) and doubles as bytes arrive. */
const INITIAL_GATHER_BYTES = 64 * 1024;

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
 * A frame that lies whole inside a chunk comes out as a view of that chunk (no copy); a frame
 * split across chunks is gathered into a buffer that grows (doubling, up to the announced size)
 * as its bytes arrive: a peer that announces a large frame and sends little pins little, so
 * many such peers cannot make the reader allocate their announced sizes. After a FrameError the
 * decoder stays failed: the stream it reads cannot be trusted again.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  readonly #header = Buffer.alloc(FRAME_HEADER_BYTES);
  #headerFilled = 0;
  #body: Buffer | undefined;
  #bodyFilled = 0;
  /** The announced length of the frame being gathered in #body (which may be smaller, for now). */
  #bodyLength = 0;
  #failure: FrameError | undefined;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as messages. */
  get bufferedBytes(): number {
    return this.#headerFilled + (this.#body ? FRAME_HEADER_BYTES + this.#bodyFilled : 0);
  }

  /** Adds a chunk and returns every message it completes. Throws FrameError on a bad length. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.#failure) throw this.#failure;
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const messages: Buffer[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#body) {
        // Continue a frame that started in an earlier chunk.
        const n = Math.min(this.#bodyLength - this.#bodyFilled, bytes.length - offset);
        if (this.#bodyFilled + n > this.#body.length) this.#grow(this.#bodyFilled + n);
        bytes.copy(this.#body, this.#bodyFilled, offset, offset + n);
        this.#bodyFilled += n;
        offset += n;
        if (this.#bodyFilled === this.#bodyLength) {
          messages.push(this.#body);
          this.#body = undefined;
        }
      } else if (this.#headerFilled === 0 && bytes.length - offset >= FRAME_HEADER_BYTES) {
        // The common case: a header at hand, maybe the whole frame too.
        const length = this.#check(bytes.readUInt32BE(offset));
        offset += FRAME_HEADER_BYTES;
        if (bytes.length - offset >= length) {
          messages.push(bytes.subarray(offset, offset + length));
          offset += length;
        } else this.#startBody(length, bytes.length - offset);
      } else {
        // A header split across chunks: gather it byte by byte (at most three bytes).
        this.#header[this.#headerFilled++] = bytes[offset++]!;
        if (this.#headerFilled === FRAME_HEADER_BYTES) {
          this.#headerFilled = 0;
          const length = this.#check(this.#header.readUInt32BE(0));
          if (length === 0) messages.push(Buffer.alloc(0));
          else this.#startBody(length, bytes.length - offset);
        }
      }
    }
    return messages;
  }

  /** Call at end of stream: a partial frame left over means the peer stopped mid-message. */
  end(): void {
    if (this.#failure) throw this.#failure;
    const left = this.bufferedBytes;
    if (left > 0) {
      throw new FrameError(`stream ended inside a frame (${left} bytes of an unfinished frame)`, {
        trailingBytes: left,
      });
    }
  }

  #check(length: number): number {
    if (length > this.maxFrameBytes) {
      this.#failure = new FrameError(
        `frame length ${length} exceeds the ${this.maxFrameBytes}-byte limit; refusing to allocate it`,
        { length, limit: this.maxFrameBytes },
      );
      this.#body = undefined;
      this.#headerFilled = 0;
      throw this.#failure;
    }
    return length;
  }

  /** Starts gathering a frame of `length` bytes, `available` of which are at hand now. */
  #startBody(length: number, available: number): void {
    this.#bodyLength = length;
    this.#body = Buffer.allocUnsafe(Math.min(length, Math.max(available, INITIAL_GATHER_BYTES)));
    this.#bodyFilled = 0;
  }

  /** Makes room for at least `needed` bytes: doubling keeps the copies at most twice the frame. */
  #grow(needed: number): void {
    const body = Buffer.allocUnsafe(Math.min(this.#bodyLength, Math.max(needed, this.#body!.length * 2)));
    this.#body!.copy(body, 0, 0, this.#bodyFilled);
    this.#body = body;
  }
}
