/**
 * An in-band end marker for media that keep message boundaries but have no "close" of
 * their own (a POSIX queue, a NATS subject). Every message gets a one-byte tag in front:
 * DATA carries the application's bytes, END tells the consumer the producer has closed.
 * The tag costs one byte of the medium's message size; variants account for it in limits.
 */

import { FrameError } from "./errors.ts";

export const ENVELOPE_BYTES = 1;
const DATA = 0;
const END = 1;

export type Envelope = { kind: "data"; data: Uint8Array } | { kind: "end" };

export function wrapData(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(message.byteLength + ENVELOPE_BYTES);
  out[0] = DATA;
  out.set(message, ENVELOPE_BYTES);
  return out;
}

export const END_MARKER: Uint8Array = Uint8Array.of(END);

export function unwrap(bytes: Uint8Array): Envelope {
  if (bytes.byteLength >= ENVELOPE_BYTES && bytes[0] === DATA) {
    return { kind: "data", data: bytes.subarray(ENVELOPE_BYTES) };
  }
  if (bytes.byteLength === ENVELOPE_BYTES && bytes[0] === END) return { kind: "end" };
  throw new FrameError(`not an ipc-atlas envelope (first byte ${bytes[0]}, ${bytes.byteLength} bytes)`);
}
