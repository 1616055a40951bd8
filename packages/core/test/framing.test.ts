import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { watchAllocations } from "../src/conformance/index.ts";
import { encodeFrame, FrameDecoder, FrameError, MessageTooLargeError } from "../src/index.ts";

function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

describe("length-prefixed framing", () => {
  it("round-trips messages however the stream is cut into chunks (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));
          const decoder = new FrameDecoder(1024);
          const decoded = chunk(stream, cuts).flatMap((c) => decoder.push(c));
          decoder.end();
          expect(decoded.map((d) => Buffer.from(d).toString("hex"))).toEqual(
            messages.map((m) => Buffer.from(m).toString("hex")),
          );
        },
      ),
    );
  });

  it("rejects a length above the limit before buffering the body", () => {
    const decoder = new FrameDecoder(1024);
    const header = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expect(() => decoder.push(header)).toThrow(FrameError);
    expect(decoder.bufferedBytes).toBe(0);
    // The decoder stays failed: a corrupt stream cannot be resynchronised.
    expect(() => decoder.push(encodeFrame(Buffer.from("ok")))).toThrow(/exceeds the 1024-byte limit/);
  });

  it("reports a stream that ends inside a frame", () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeFrame(Buffer.from("hello")).subarray(0, 6));
    expect(() => decoder.end()).toThrow(/ended inside a frame/);
  });

  it("refuses to encode a message above the limit with MessageTooLargeError", () => {
    expect(() => encodeFrame(new Uint8Array(11), 10)).toThrow(MessageTooLargeError);
  });

  it("never throws anything but FrameError on random input (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 16 }), (chunks) => {
        const decoder = new FrameDecoder(256);
        try {
          for (const c of chunks) decoder.push(c);
          decoder.end();
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
        expect(decoder.bufferedBytes).toBeLessThanOrEqual(256 + 4 + 64);
      }),
    );
  });

  // Allocation watched where it happens: `bufferedBytes` counts bytes filled, not bytes
  // allocated, so only a watch on the allocation itself shows a decoder that allocates first.
  const LIMIT = 1024;
  const hostile = [LIMIT + 1, 2 ** 31, 0xffff_ffff];
  const header = (length: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(length);
    return bytes;
  };
  const cuts: Record<string, (frame: Buffer) => Buffer[]> = {
    "the header and some body in one chunk": (frame) => [frame],
    "the header one byte at a time": (frame) => [...frame.subarray(0, 4)].map((b) => Buffer.of(b)),
    "the header split 2 + 2": (frame) => [frame.subarray(0, 2), frame.subarray(2)],
  };
  for (const [how, cut] of Object.entries(cuts)) {
    it(`never allocates more than the limit for a hostile announced length (${how}; allocations watched)`, () => {
      for (const length of hostile) {
        const chunks = cut(Buffer.concat([header(length), Buffer.from("body")]));
        const decoder = new FrameDecoder(LIMIT);
        const watch = watchAllocations(LIMIT);
        let thrown: unknown;
        try {
          for (const chunk of chunks) decoder.push(chunk);
        } catch (error) {
          thrown = error;
        } finally {
          watch.stop();
        }
        expect(thrown, `length ${length}`).toBeInstanceOf(FrameError);
        expect(watch.largest, `largest allocation for an announced ${length}`).toBeLessThanOrEqual(LIMIT);
      }
    });
  }

  it("(the control) the watch sees the decoder's allocation of a frame split across chunks", () => {
    const frame = encodeFrame(Buffer.alloc(LIMIT, 7), LIMIT);
    const decoder = new FrameDecoder(LIMIT);
    const watch = watchAllocations(LIMIT);
    try {
      expect(decoder.push(frame.subarray(0, 10))).toEqual([]);
      expect(decoder.push(frame.subarray(10))).toHaveLength(1);
    } finally {
      watch.stop();
    }
    expect(watch.sizes).toContain(LIMIT);
  });
});
