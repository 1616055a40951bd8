/**
 * The tcp wire format: every message is one core frame (a 4-byte big-endian length, then the
 * body) whose body is a core envelope (one tag byte, DATA or END, then the message). The END
 * frame is core's own encoding; a DATA frame is written here, byte for byte what
 * `encodeFrame(wrapData(message))` makes (framing-fuzz.test.ts checks it), because the
 * producer writes frames straight into its batch buffer and the consumer checks the tag of
 * every frame on its hot path: core's functions allocate and copy twice per message.
 */

import { END_MARKER, ENVELOPE_BYTES, encodeFrame, FRAME_HEADER_BYTES, wrapData } from "@ipc-atlas/core";

/** The tag byte core's envelope puts before a message, read from core so the two cannot drift. */
export const DATA_TAG: number = wrapData(new Uint8Array(0))[0]!;

/** The frame that ends a producer's stream: core framing around core's END envelope. */
export const END_FRAME: Buffer = encodeFrame(END_MARKER);

/** Bytes a message of `size` bytes takes on the wire. */
export function frameSize(size: number): number {
  return FRAME_HEADER_BYTES + ENVELOPE_BYTES + size;
}

/**
 * Writes the DATA frame of `message` into `target` at `at` (the caller made room). The
 * header byte by byte: writeUInt32BE's argument checks cost more than the four stores.
 */
export function putMessage(target: Buffer, at: number, message: Uint8Array): void {
  const length = ENVELOPE_BYTES + message.byteLength;
  target[at] = length >>> 24;
  target[at + 1] = length >>> 16;
  target[at + 2] = length >>> 8;
  target[at + 3] = length;
  target[at + FRAME_HEADER_BYTES] = DATA_TAG;
  target.set(message, at + FRAME_HEADER_BYTES + ENVELOPE_BYTES);
}

/** One message as it goes on the wire, in a buffer of its own (one allocation, one copy). */
export function encodeMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameSize(message.byteLength));
  putMessage(frame, 0, message);
  return frame;
}
