/**
 * A worker process for bench/adapter-cost.ts. It plays producer or consumer, trial after
 * trial, as the parent asks, so process start-up is paid once. Each trial is either the
 * pipes-named variant (Producer/Consumer) or the same bytes written by hand with net.Socket
 * over the same FIFO pair (raw), acked like the variant or one-way without acks.
 *
 * Messages: { op: "consume", mode, address } → { ready } then { done, count, lastNs, cpuUs }
 *           { op: "produce", mode, address, warmup, count, window } → { done, startNs, cpuUs }
 */

import type { Socket } from "node:net";
import { openFifoReader, openFifoWriter, tryOpenFifoWriter } from "../src/fifo.ts";
import {
  connectNamedPipeProducer,
  type NamedPipeAddress,
  openNamedPipeConsumer,
} from "../src/pipes-named.ts";

export type Mode = "variant" | "raw-acked" | "raw-one-way";
export type WorkerRequest =
  | { op: "consume"; mode: Mode; address: NamedPipeAddress }
  | { op: "produce"; mode: Mode; address: NamedPipeAddress; warmup: number; count: number; window: number };

const SIZE = 64;
const reply = (message: unknown) => process.send?.(message);

/** CPU time (user + system, µs) this process spent since `start`. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** The sequence number in a message's first four bytes (the same check on both sides). */
function readSeq(m: Uint8Array): number {
  return ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0;
}

function message(seq: number): Buffer {
  const bytes = Buffer.allocUnsafe(SIZE).fill(seq & 0xff);
  bytes.writeUInt32BE(seq, 0);
  return bytes;
}

// ----- consumers ----------------------------------------------------------------------------

async function consumeVariant(address: NamedPipeAddress): Promise<void> {
  const consumer = await openNamedPipeConsumer(address);
  const cpu = process.cpuUsage();
  reply({ ready: true });
  let count = 0;
  let lastNs = 0n;
  for await (const m of consumer) {
    if (m.byteLength !== SIZE || readSeq(m) !== count) throw new Error(`bad message ${count}`);
    count++;
    lastNs = process.hrtime.bigint();
  }
  reply({ done: true, count, lastNs: String(lastNs), cpuUs: cpuSince(cpu) });
}

/**
 * The same wire protocol by hand: 4-byte big-endian length + body; one ack byte per message,
 * written once per chunk read. 'data' events, the cheapest way to read a net.Socket.
 */
async function consumeRaw(address: NamedPipeAddress, acked: boolean): Promise<void> {
  const data = openFifoReader(address.data);
  const cpu = process.cpuUsage();
  reply({ ready: true });
  let acks: Socket | null | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let count = 0;
  let lastNs = 0n;
  data.on("data", (chunk: Buffer) => {
    const buffer = pending.byteLength > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let offset = 0;
    let taken = 0;
    while (buffer.byteLength - offset >= 4) {
      const length = buffer.readUInt32BE(offset);
      if (buffer.byteLength - offset < 4 + length) break;
      const body = buffer.subarray(offset + 4, offset + 4 + length);
      if (body.byteLength !== SIZE || readSeq(body) !== count) throw new Error(`bad message ${count}`);
      offset += 4 + length;
      count++;
      taken++;
    }
    pending = buffer.subarray(offset);
    if (taken > 0) {
      lastNs = process.hrtime.bigint();
      if (acked) {
        if (acks === undefined) acks = tryOpenFifoWriter(address.acks);
        acks?.write(Buffer.alloc(taken, 0x06));
      }
    }
  });
  await new Promise((resolve) => data.once("end", resolve));
  if (acked) {
    if (acks === undefined) acks = tryOpenFifoWriter(address.acks);
    acks?.end();
  }
  reply({ done: true, count, lastNs: String(lastNs), cpuUs: cpuSince(cpu) });
}

// ----- producers ----------------------------------------------------------------------------

/** Keeps at most `window` sends in flight: send i waits for send i - window. */
async function windowed(count: number, first: number, window: number, send: (seq: number) => Promise<void>) {
  const ring: Array<Promise<void> | undefined> = new Array(window);
  for (let i = 0; i < count; i++) {
    await ring[i % window];
    ring[i % window] = send(first + i);
  }
  await Promise.all(ring);
}

async function produceVariant(request: Extract<WorkerRequest, { op: "produce" }>): Promise<void> {
  const cpu = process.cpuUsage();
  const producer = await connectNamedPipeProducer(request.address);
  const send = (seq: number) => producer.send(message(seq));
  await windowed(request.warmup, 0, request.window, send);
  const startNs = process.hrtime.bigint();
  await windowed(request.count, request.warmup, request.window, send);
  await producer.close();
  reply({ done: true, startNs: String(startNs), cpuUs: cpuSince(cpu) });
}

async function produceRaw(request: Extract<WorkerRequest, { op: "produce" }>, acked: boolean): Promise<void> {
  const cpu = process.cpuUsage();
  const acks = acked ? openFifoReader(request.address.acks) : null;
  const data = await openFifoWriter(request.address.data);
  // Ack bookkeeping by hand: a FIFO of resolvers, settled one per ack byte.
  const waiters: Array<() => void> = [];
  acks?.on("data", (chunk: Buffer) => {
    for (let i = 0; i < chunk.byteLength; i++) waiters.shift()?.();
  });
  const drained = () => new Promise<void>((resolve) => data.once("drain", resolve));
  const send = (seq: number): Promise<void> => {
    const body = message(seq);
    const frame = Buffer.allocUnsafe(4 + SIZE);
    frame.writeUInt32BE(SIZE, 0);
    body.copy(frame, 4);
    const room = data.write(frame);
    if (acked) return new Promise<void>((resolve) => waiters.push(resolve));
    return room ? Promise.resolve() : drained();
  };
  const window = acked ? request.window : 1;
  await windowed(request.warmup, 0, window, send);
  const startNs = process.hrtime.bigint();
  await windowed(request.count, request.warmup, window, send);
  await new Promise<void>((resolve) => data.end(resolve));
  data.destroy();
  if (acks) await new Promise((resolve) => acks.once("close", resolve));
  reply({ done: true, startNs: String(startNs), cpuUs: cpuSince(cpu) });
}

process.on("message", (request: WorkerRequest) => {
  const run = async () => {
    if (request.op === "consume") {
      if (request.mode === "variant") await consumeVariant(request.address);
      else await consumeRaw(request.address, request.mode === "raw-acked");
    } else if (request.mode === "variant") await produceVariant(request);
    else await produceRaw(request, request.mode === "raw-acked");
  };
  run().catch((error: unknown) => reply({ failed: String(error) }));
});
reply({ started: true });
