import { AbortError, ClosedError } from "@ipc-atlas/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPipe } from "../src/index.ts";

/** Lets every pending promise callback run, then reports whether `promise` has settled. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((r) => setTimeout(r, 10));
  return done;
}

describe("unnamed pipe (io.Pipe semantics)", () => {
  it("write resolves only after reads have consumed every byte, across several reads", async () => {
    const { reader, writer } = createPipe();
    const writing = writer.write(Buffer.from("0123456789"));
    expect(await settled(writing)).toBe(false);
    const buffer = new Uint8Array(4);
    expect(await reader.read(buffer)).toBe(4);
    expect(Buffer.from(buffer).toString()).toBe("0123");
    expect(await settled(writing)).toBe(false);
    expect(await reader.read(buffer)).toBe(4);
    expect(await settled(writing)).toBe(false);
    expect(await reader.read(buffer)).toBe(2);
    expect(Buffer.from(buffer.subarray(0, 2)).toString()).toBe("89");
    expect(await writing).toBe(10);
  });

  it("a read waits for a write; concurrent writes are consumed in call order", async () => {
    const { reader, writer } = createPipe();
    const buffer = new Uint8Array(16);
    const reading = reader.read(buffer);
    expect(await settled(reading)).toBe(false);
    const a = writer.write(Buffer.from("first"));
    const b = writer.write(Buffer.from("second"));
    expect(await reading).toBe(5);
    expect(await a).toBe(5);
    expect(await settled(b)).toBe(false);
    expect(await reader.read(buffer)).toBe(6);
    expect(Buffer.from(buffer.subarray(0, 6)).toString()).toBe("second");
    expect(await b).toBe(6);
  });

  it("close gives the reader EOF (null) after the data, then null again; an empty write meets a read of 0", async () => {
    const { reader, writer } = createPipe();
    const buffer = new Uint8Array(8);
    const empty = writer.write(new Uint8Array(0));
    expect(await reader.read(buffer)).toBe(0);
    expect(await empty).toBe(0);
    const writing = writer.write(Buffer.from("tail"));
    const pendingRead = reader.read(buffer);
    expect(await pendingRead).toBe(4);
    await writing;
    const waiting = reader.read(buffer);
    writer.close();
    expect(await waiting).toBeNull();
    expect(await reader.read(buffer)).toBeNull();
    await expect(writer.write(Buffer.from("late"))).rejects.toBeInstanceOf(ClosedError);
  });

  it("writer.closeWithError: the reader's pending and later reads reject with that error", async () => {
    const { reader, writer } = createPipe();
    const failure = new Error("upstream failed");
    const pending = reader.read(new Uint8Array(4));
    writer.closeWithError(failure);
    await expect(pending).rejects.toBe(failure);
    await expect(reader.read(new Uint8Array(4))).rejects.toBe(failure);
    // Only the first close counts.
    writer.close();
    await expect(reader.read(new Uint8Array(4))).rejects.toBe(failure);
  });

  it("reader.closeWithError: the writer's pending and later writes reject with that error", async () => {
    const { reader, writer } = createPipe();
    const failure = new Error("downstream gave up");
    const pending = writer.write(Buffer.from("never read"));
    reader.closeWithError(failure);
    await expect(pending).rejects.toBe(failure);
    await expect(writer.write(Buffer.from("x"))).rejects.toBe(failure);
    await expect(reader.read(new Uint8Array(1))).rejects.toBeInstanceOf(ClosedError);
  });

  it("reader.close without an error gives writers ClosedError", async () => {
    const { reader, writer } = createPipe();
    const pending = writer.write(Buffer.from("x"));
    reader.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
  });

  it("an aborted read takes no bytes: the next read gets them", async () => {
    const { reader, writer } = createPipe();
    const controller = new AbortController();
    const aborted = reader.read(new Uint8Array(4), { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    const writing = writer.write(Buffer.from("kept"));
    const buffer = new Uint8Array(4);
    expect(await reader.read(buffer)).toBe(4);
    expect(Buffer.from(buffer).toString()).toBe("kept");
    await writing;
    await expect(reader.read(buffer, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it("an aborted write stops where the reader got to; the next write follows", async () => {
    const { reader, writer } = createPipe();
    const controller = new AbortController();
    const writing = writer.write(Buffer.from("abcdef"), { signal: controller.signal });
    const buffer = new Uint8Array(2);
    expect(await reader.read(buffer)).toBe(2);
    controller.abort();
    await expect(writing).rejects.toThrow(/after 2 of 6 bytes were read/);
    const next = writer.write(Buffer.from("XY"));
    expect(await reader.read(buffer)).toBe(2);
    expect(Buffer.from(buffer).toString()).toBe("XY");
    await next;
  });

  it("any split of writes and read sizes delivers the same bytes in order (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        async (writes, readSizes) => {
          const { reader, writer } = createPipe();
          const writing = (async () => {
            for (const bytes of writes) await writer.write(bytes);
            writer.close();
          })();
          const received: number[] = [];
          for (let i = 0; ; i++) {
            const buffer = new Uint8Array(readSizes[i % readSizes.length]!);
            const n = await reader.read(buffer);
            if (n === null) break;
            received.push(...buffer.subarray(0, n));
          }
          await writing;
          expect(received).toEqual(writes.flatMap((w) => [...w]));
        },
      ),
      { numRuns: 200 },
    );
  });
});
