/**
 * A hostile announced length on each pipe variant's decode path: the consumer's iteration
 * fails with FrameError and no buffer larger than the variant's limit is ever allocated
 * (allocations watched where they happen, see core's watchAllocations).
 */

import { FrameError } from "@ipc-atlas/core";
import { watchAllocations } from "@ipc-atlas/core/conformance";
import { afterEach, describe, expect, it } from "vitest";
import {
  openFifoWriter,
  openNamedPipe,
  openNamedPipeConsumer,
  pipesUnnamed,
  pipesUnnamedIo,
  writeToFifo,
} from "../src/index.ts";

const LIMIT = 1024;
const HOSTILE = [LIMIT + 1, 0x8000_0000, 0xffff_ffff];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function header(length: number, tail: number[] = [1, 2, 3]): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length);
  return Buffer.concat([bytes, Buffer.from(tail)]);
}

/** Iterates the consumer under a watch; returns what the iteration threw and the largest allocation. */
async function readWatched(
  consumer: AsyncIterable<Uint8Array>,
): Promise<{ error: unknown; largest: number }> {
  const watch = watchAllocations(LIMIT);
  try {
    for await (const _ of consumer) {
      // nothing valid arrives
    }
    return { error: undefined, largest: watch.largest };
  } catch (error) {
    return { error, largest: watch.largest };
  } finally {
    watch.stop();
  }
}

describe.each([pipesUnnamed, pipesUnnamedIo])("$id: a hostile announced length", (variant) => {
  it.each(HOSTILE)("announced %i: FrameError, and no allocation above the limit", async (length) => {
    const endpoint = await variant.open({ maxMessageSize: LIMIT });
    cleanups.push(() => endpoint.close());
    const consumer = await variant.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    // A raw writer on the pipe itself, below the producer's framing.
    void endpoint.address.pipe.writer.write(header(length)).catch(() => {});
    const { error, largest } = await readWatched(consumer);
    expect(error).toBeInstanceOf(FrameError);
    expect(largest).toBeLessThanOrEqual(LIMIT);
  });
});

describe("pipes-named: a hostile announced length", () => {
  it.each(HOSTILE)("announced %i: FrameError, and no allocation above the limit", async (length) => {
    const { address, close } = await openNamedPipe({ maxMessageSize: LIMIT });
    cleanups.push(close);
    const consumer = await openNamedPipeConsumer(address);
    cleanups.push(() => consumer.close());
    const writer = await openFifoWriter(address.data, { timeoutMs: 5000 });
    cleanups.push(() => writer.destroy());
    await writeToFifo(writer, address.data, header(length));
    const { error, largest } = await readWatched(consumer);
    expect(error).toBeInstanceOf(FrameError);
    expect(largest).toBeLessThanOrEqual(LIMIT);
  });
});
