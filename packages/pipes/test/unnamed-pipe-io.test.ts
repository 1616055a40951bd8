import { createHash, randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { ClosedError } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { createStreamPipe } from "../src/index.ts";

describe("unnamed pipe as Node streams", () => {
  it("carries 4 MiB through gzip → pipe → gunzip with stream.pipeline, byte for byte", async () => {
    // Half random, half repetitive: gzip has work to do and the stream is not trivially small.
    const chunks = Array.from({ length: 64 }, (_, i) =>
      i % 2 === 0 ? randomBytes(32 * 1024) : Buffer.alloc(32 * 1024, i),
    );
    const expected = createHash("sha256").update(Buffer.concat(chunks)).digest("hex");
    const { readable, writable } = createStreamPipe();
    const hash = createHash("sha256");
    let received = 0;
    let compressed = 0;
    await Promise.all([
      pipeline(Readable.from(chunks), createGzip(), writable),
      pipeline(
        readable,
        async function* (source) {
          for await (const chunk of source) {
            compressed += (chunk as Buffer).byteLength;
            yield chunk;
          }
        },
        createGunzip(),
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            received += chunk.byteLength;
            hash.update(chunk);
            callback();
          },
        }),
      ),
    ]);
    expect(received).toBe(64 * 32 * 1024);
    expect(compressed).toBeLessThan(received);
    expect(hash.digest("hex")).toBe(expected);
  });

  it("a chunk's write callback fires only once the reader has consumed it", async () => {
    const { readable, writable } = createStreamPipe({ readable: { highWaterMark: 0 } });
    let called = false;
    writable.write(Buffer.from("held"), () => {
      called = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(called).toBe(false);
    const iterator = readable[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(Buffer.from(first.value as Buffer).toString()).toBe("held");
    await new Promise((r) => setTimeout(r, 0));
    expect(called).toBe(true);
    writable.end();
    expect((await iterator.next()).done).toBe(true);
  });

  it("a reader destroyed with an error fails the writer with that error", async () => {
    const { readable, writable } = createStreamPipe();
    const failure = new Error("reader gave up");
    const writing = pipeline(Readable.from([Buffer.from("a"), Buffer.from("b")]), writable);
    readable.on("error", () => {}); // the reader's own failure is not what this test checks
    readable.destroy(failure);
    await expect(writing).rejects.toBe(failure);
  });

  it("a writer destroyed before end() is an error for the reader, not a clean EOF", async () => {
    const { readable, writable } = createStreamPipe();
    writable.destroy();
    await expect(
      (async () => {
        for await (const _ of readable) {
          // nothing arrives
        }
      })(),
    ).rejects.toBeInstanceOf(ClosedError);
  });
});
