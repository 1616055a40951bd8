/**
 * Core's FrameDecoder, fed so that a peer dripping tiny chunks cannot make it quadratic.
 *
 * Why: FrameDecoder keeps every chunk of an unfinished frame and, while the first kept chunk
 * is shorter than the 4-byte header, re-concatenates all kept chunks on each push. A peer that
 * sends one byte per packet therefore costs O(n²) per frame (16 KiB dripped: ~30 s of CPU on
 * the event loop) and one Buffer object per byte. Here the unfinished frame is gathered in one
 * growing buffer instead (amortised O(n), bounded by the frame limit), and only handed to the
 * decoder once it holds a whole frame; the decoder still validates every length and splits
 * every frame. Nothing changes on the wire.
 */

import { FRAME_HEADER_BYTES, FrameDecoder } from "@ipc-atlas/core";

export class StreamDecoder {
  readonly maxFrameBytes: number;
  #decoder: FrameDecoder;
  /** The unfinished frame's bytes so far (when the decoder holds nothing). */
  #partial: Buffer | undefined;
  #partialBytes = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
    this.#decoder = new FrameDecoder(maxFrameBytes);
  }

  /** Bytes received that do not yet form a whole frame. */
  get bufferedBytes(): number {
    return this.#partialBytes + this.#decoder.bufferedBytes;
  }

  /** Adds a chunk and returns the bodies of the frames it completes. Throws FrameError. */
  push(chunk: Buffer): Buffer[] {
    if (this.#partialBytes === 0) return this.#decode(chunk);
    this.#append(chunk);
    if (this.#partialBytes >= FRAME_HEADER_BYTES) {
      const length = this.#partial!.readUInt32BE(0);
      // Too long: let the decoder see the header and raise its FrameError.
      if (length > this.maxFrameBytes) return this.#decode(this.#takePartial());
      if (this.#partialBytes >= FRAME_HEADER_BYTES + length) return this.#decode(this.#takePartial());
    }
    return [];
  }

  /** At end of stream: FrameError if the stream stopped inside a frame. */
  end(): void {
    // What is gathered here is never a whole frame (that would have been decoded): hand it to
    // the decoder as is, so that its end() reports the unfinished frame.
    if (this.#partialBytes > 0) this.#decoder.push(this.#takePartial());
    this.#decoder.end();
  }

  #decode(chunk: Buffer): Buffer[] {
    const frames = this.#decoder.push(chunk);
    const left = this.#decoder.bufferedBytes;
    if (left > 0) {
      // The decoder holds the start of the next frame (always a tail of this chunk, as it held
      // nothing before): move it here and give the decoder a fresh start.
      this.#append(chunk.subarray(chunk.byteLength - left));
      this.#decoder = new FrameDecoder(this.maxFrameBytes);
    }
    return frames;
  }

  #append(chunk: Buffer): void {
    const needed = this.#partialBytes + chunk.byteLength;
    if (!this.#partial || this.#partial.byteLength < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * (this.#partial?.byteLength ?? 0), 256));
      this.#partial?.copy(grown, 0, 0, this.#partialBytes);
      this.#partial = grown;
    }
    chunk.copy(this.#partial, this.#partialBytes);
    this.#partialBytes = needed;
  }

  /** Hands the gathered bytes over; frames decoded from them are views, so start a new buffer. */
  #takePartial(): Buffer {
    const bytes = this.#partial!.subarray(0, this.#partialBytes);
    this.#partial = undefined;
    this.#partialBytes = 0;
    return bytes;
  }
}
