// Issue 8, item 13: random and adversarial byte streams into the frame decoder and, over real
// TCP connections, into a consumer — typed errors only, no crash, no unbounded allocation,
// and the consumer keeps serving a well-behaved producer throughout.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import {
  ENVELOPE_BYTES,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameError,
  IpcError,
  listen,
  liveChildren,
  spawnConsumer,
  unwrap,
  wrapData,
} from "@ipc-atlas/core";
import { watchAllocations } from "@ipc-atlas/core/conformance";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { END_FRAME, encodeMessage, TcpProducer, tcp } from "../src/index.ts";
import { closeServer, frame, listenLocal, openTcpHandles, rawClient, sleep, waitFor } from "./helpers.ts";

const LIMIT = 4096;

afterAll(async () => {
  await waitFor(() => openTcpHandles().length === 0, `no TCP handle left (${openTcpHandles().join(", ")})`);
  expect(liveChildren()).toEqual([]);
});

/** Cuts a byte string into chunks at the given (sorted, deduplicated) offsets. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.byteLength]) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  return chunks;
}

/** Byte streams a hostile or broken peer might send. */
const hostileStream: fc.Arbitrary<Uint8Array> = fc.oneof(
  // noise
  fc.uint8Array({ maxLength: 2048 }),
  // valid frames, then noise
  fc
    .tuple(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), fc.uint8Array({ maxLength: 64 }))
    .map(([messages, tail]) => Buffer.concat([...messages.map(encodeMessage), tail])),
  // a header announcing a huge or just-too-large length, then a little of the body
  fc
    .tuple(
      fc.constantFrom(0xffff_ffff, 0x8000_0000, LIMIT + 2, LIMIT + ENVELOPE_BYTES + 1),
      fc.uint8Array({ maxLength: 32 }),
    )
    .map(([length, body]) => frame(length, body)),
  // a valid length with a bad tag byte
  fc
    .tuple(fc.integer({ min: 2, max: 255 }), fc.uint8Array({ maxLength: 32 }))
    .map(([tag, body]) => frame(body.byteLength + 1, Buffer.concat([Buffer.of(tag), body]))),
  // END followed by more bytes
  fc.uint8Array({ minLength: 1, maxLength: 32 }).map((tail) => Buffer.concat([END_FRAME, tail])),
  // a truncated frame
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((body) => encodeMessage(body).subarray(0, body.byteLength)),
);

// The consumer feeds every connection's bytes to core's FrameDecoder as they arrive.
const decoders = {
  "core's FrameDecoder": (limit: number) => new FrameDecoder(limit),
};

for (const [name, makeDecoder] of Object.entries(decoders)) {
  describe(`${name} under random and adversarial input`, () => {
    it("only ever returns messages or throws FrameError, and never holds more than one frame's worth", () => {
      fc.assert(
        fc.property(
          fc.oneof(hostileStream, fc.uint8Array({ maxLength: 4096 })),
          fc.array(fc.nat(), { maxLength: 16 }),
          (bytes, offsets) => {
            const decoder = makeDecoder(LIMIT);
            let failed: unknown;
            for (const chunk of cut(bytes, offsets)) {
              try {
                const messages = decoder.push(Buffer.from(chunk));
                for (const m of messages) expect(m.byteLength).toBeLessThanOrEqual(LIMIT);
                // What it keeps is at most an unfinished frame that fits the limit.
                expect(decoder.bufferedBytes).toBeLessThan(FRAME_HEADER_BYTES + LIMIT);
              } catch (error) {
                expect(error).toBeInstanceOf(FrameError);
                failed = error;
                break;
              }
            }
            if (failed) expect(() => decoder.push(Buffer.alloc(4, 0xff))).toThrow(FrameError); // stays failed
          },
        ),
        { numRuns: 500 },
      );
    });

    it("decodes any split of valid frames back to the same messages (and the wire format is core's)", () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
          fc.array(fc.nat(), { maxLength: 30 }),
          (messages, offsets) => {
            const wire = Buffer.concat(messages.map(encodeMessage));
            expect(wire).toEqual(Buffer.concat(messages.map((m) => encodeFrame(wrapData(m)))));
            const decoder = makeDecoder(LIMIT);
            const out: Uint8Array[] = [];
            for (const chunk of cut(wire, offsets)) {
              for (const body of decoder.push(Buffer.from(chunk))) {
                const envelope = unwrap(body);
                if (envelope.kind === "data") out.push(Buffer.from(envelope.data));
              }
            }
            decoder.end();
            expect(out).toEqual(messages.map((m) => Buffer.from(m)));
          },
        ),
        { numRuns: 200 },
      );
    });

    it("a flood of 4 GiB length prefixes allocates nothing of that size", () => {
      const before = process.memoryUsage().arrayBuffers;
      for (let i = 0; i < 2_000; i++) {
        const decoder = makeDecoder(LIMIT);
        expect(() => decoder.push(frame(0xffff_ffff, randomBytes(8)))).toThrow(FrameError);
      }
      const growth = process.memoryUsage().arrayBuffers - before;
      expect(growth).toBeLessThan(16 * 2 ** 20);
    });
  });
}

describe("a peer dripping one byte at a time", () => {
  it("costs the consumer's decoder linear work and at most one frame of memory (256 KiB frame, 1-byte chunks)", () => {
    // An earlier FrameDecoder re-joined its kept chunks on every push: ~30 s for a 16 KiB frame
    // fed this way (O(n²)). This keeps the consumer's decoder honest about it.
    const limit = 256 * 1024;
    const decoder = new FrameDecoder(limit);
    const wire = Buffer.concat([
      encodeMessage(randomBytes(limit - ENVELOPE_BYTES)),
      encodeMessage(Buffer.from("next")),
    ]);
    const started = performance.now();
    const bodies: Buffer[] = [];
    for (let i = 0; i < wire.byteLength; i++) {
      bodies.push(...decoder.push(wire.subarray(i, i + 1)));
      if (decoder.bufferedBytes >= FRAME_HEADER_BYTES + limit)
        throw new Error(`holds ${decoder.bufferedBytes} bytes`);
    }
    const ms = performance.now() - started;
    expect(bodies.map((b) => b.byteLength)).toEqual([limit, 5]);
    expect(ms).toBeLessThan(20_000); // linear: well under a second here; quadratic would take hours
  });

  it("a stream that stops inside a frame is still a FrameError at the end", () => {
    const decoder = new FrameDecoder(LIMIT);
    const wire = encodeMessage(Buffer.from("unfinished"));
    for (let i = 0; i < wire.byteLength - 1; i++) decoder.push(wire.subarray(i, i + 1));
    expect(() => decoder.end()).toThrow(/stream ended inside a frame/);
  });
});

/** A message from the well-behaved producer: a random tag no fuzz stream will produce, then a sequence number. */
function goodMessage(tag: Buffer, seq: number): Buffer {
  const m = Buffer.alloc(tag.byteLength + 4);
  tag.copy(m);
  m.writeUInt32BE(seq, tag.byteLength);
  return m;
}

function goodSequence(messages: Uint8Array[], tag: Buffer): number[] {
  return messages
    .map((m) => Buffer.from(m))
    .filter((m) => m.byteLength === tag.byteLength + 4 && m.subarray(0, tag.byteLength).equals(tag))
    .map((m) => m.readUInt32BE(tag.byteLength));
}

async function sendHostile(port: number, bytes: Uint8Array, offsets: number[]): Promise<void> {
  const socket = await rawClient({ host: "127.0.0.1", port, maxMessageSize: LIMIT });
  for (const chunk of cut(bytes, offsets)) {
    if (socket.destroyed) break;
    socket.write(chunk);
    await sleep(0);
  }
  socket.end();
  // Either side may end it: the consumer drops bad peers, the peer ends when done.
  await Promise.race([socket.hungUp, sleep(2000).then(() => socket.destroy())]);
}

describe("hostile byte streams over TCP into a consumer", () => {
  it("in this process: typed peer errors only, and a well-behaved producer is served throughout", async () => {
    const consumer = await listenLocal(LIMIT);
    const peerErrors: unknown[] = [];
    consumer.on("peer-error", ({ error }) => peerErrors.push(error));
    const tag = randomBytes(12);
    const good = await TcpProducer.connect(consumer.address);
    const received: Uint8Array[] = [];
    const reading = (async () => {
      for await (const m of consumer) received.push(m);
    })();
    let seq = 0;
    let attacks = 0;
    const memoryBefore = process.memoryUsage().arrayBuffers;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(hostileStream, fc.array(fc.nat(), { maxLength: 6 })), {
            minLength: 1,
            maxLength: 4,
          }),
          async (peers) => {
            await good.send(goodMessage(tag, seq++));
            // Several hostile peers at once, while the good producer keeps sending.
            await Promise.all(
              peers.map(([bytes, offsets]) => sendHostile(consumer.address.port, bytes, offsets)),
            );
            attacks += peers.length;
            await good.send(goodMessage(tag, seq++));
          },
        ),
        { numRuns: 40 },
      );
      await good.close();
      await reading;
    } finally {
      await consumer.close();
    }
    expect(goodSequence(received, tag)).toEqual(Array.from({ length: seq }, (_, i) => i));
    for (const error of peerErrors) expect(error).toBeInstanceOf(IpcError);
    expect(peerErrors.length).toBeGreaterThan(0);
    expect(peerErrors.length).toBeLessThanOrEqual(attacks);
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(64 * 2 ** 20);
  });

  it("in a separate consumer process: it survives the streams and still delivers every good message", async () => {
    const endpoint = await tcp.open({ maxMessageSize: LIMIT });
    const consumer = await spawnConsumer(tcp, endpoint.address);
    try {
      const tag = randomBytes(12);
      const good = await TcpProducer.connect(endpoint.address);
      const samples = fc.sample(fc.tuple(hostileStream, fc.array(fc.nat(), { maxLength: 6 })), {
        numRuns: 60,
        seed: 13,
      });
      let seq = 0;
      for (let i = 0; i < samples.length; i += 6) {
        await good.send(goodMessage(tag, seq++));
        await Promise.all(
          samples
            .slice(i, i + 6)
            .map(([bytes, offsets]) => sendHostile(endpoint.address.port, bytes, offsets)),
        );
      }
      await good.send(goodMessage(tag, seq++));
      await good.close();
      const received: Uint8Array[] = [];
      for await (const m of consumer) received.push(m);
      expect(goodSequence(received, tag)).toEqual(Array.from({ length: seq }, (_, i) => i));
      expect(await consumer.rss()).toBeLessThan(512 * 2 ** 20); // alive, and answering
    } finally {
      await consumer.dispose();
      await endpoint.close();
    }
    // The consumer process is gone and so is its port.
    const probe = createServer();
    await expect(listen(probe, "127.0.0.1", endpoint.address.port)).resolves.toBe(endpoint.address.port);
    await closeServer(probe);
  });
});

describe("a hostile announced length over TCP (allocations watched)", () => {
  it("the consumer drops the peer with a FrameError and never allocates more than its limit", async () => {
    const consumer = await listenLocal(LIMIT);
    // The decoder's limit is a message plus its envelope byte; nothing bigger may be allocated.
    const allowed = LIMIT + ENVELOPE_BYTES;
    try {
      for (const length of [allowed + 1, 0x8000_0000, 0xffff_ffff]) {
        const dropped = new Promise<unknown>((resolve) =>
          consumer.once("peer-error", ({ error }) => resolve(error)),
        );
        const watch = watchAllocations(allowed);
        try {
          const socket = await rawClient(consumer.address);
          socket.write(frame(length, randomBytes(16)));
          expect(await dropped, `announced ${length}`).toBeInstanceOf(FrameError);
          await socket.hungUp;
        } finally {
          watch.stop();
        }
        expect(watch.largest, `largest allocation for an announced ${length}`).toBeLessThanOrEqual(allowed);
      }
    } finally {
      await consumer.close();
    }
  });
});
