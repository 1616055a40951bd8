/**
 * The benchmark workload, identical for every variant: messages of a fixed size whose first
 * 16 bytes carry a sequence number and, in the latency pass, a send time. The loops here run
 * wherever the producer or consumer lives (a bench child process, a worker thread, one
 * process for in-process variants); they only see the Producer / Consumer interface, never a
 * variant name.
 *
 * Two passes, measured apart (plan.pass):
 * - throughput: the producer sends as fast as the variant takes messages, from a pool of
 *   buffers made before the run with the sequence number stamped in place; no clock is read
 *   per message on either side (every 64th), so what is measured is the variant and not the
 *   harness. The `null` row (null-variant.ts) runs these same loops over no medium at all.
 * - latency: an open loop at a fixed offered rate (latency.ts): each message is stamped with
 *   the time it was scheduled to go, so a stall is charged to every message it delays.
 *
 * Header (little-endian): bytes 0-3 sequence number, 4-7 zero, 8-15 the scheduled send time as
 * a float64 count of nanoseconds since `epochNs` (latency pass; zero otherwise), a
 * `process.hrtime.bigint()` reading taken by the harness and handed to every process. hrtime
 * is CLOCK_MONOTONIC, one clock for every process of a host, so a receive time minus the send
 * time is a one-way latency even across processes.
 */

import type { Consumer, Producer } from "@ipc-atlas/core";
import * as hdr from "hdr-histogram-js";
import { type CpuFigures, cpuSince } from "./figures.ts";
import { eachMessage, windowed } from "./settled.ts";

export { type CpuFigures, cpuSince, type ProcessFigures, processFigures } from "./figures.ts";

export const HEADER_BYTES = 16;

/** What one run sends: the same for the producer, the consumer and the native ceiling. */
export interface Plan {
  size: number;
  /** Which pass this run is: as fast as possible, or an open loop at `ratePerSec`. */
  pass: "throughput" | "latency";
  /** Latency pass: messages offered per second; null in the throughput pass. */
  ratePerSec: number | null;
  /**
   * Messages sent before the measured ones; they are checked but not measured. The warm-up
   * also ends after `warmupSeconds`: the measured messages then start at sequence number
   * `warmup` all the same, so the consumer tells them apart without being told.
   */
  warmup: number;
  warmupSeconds: number;
  /** Measured messages; the run also stops at `maxSeconds`. */
  messages: number;
  maxSeconds: number;
  /**
   * Sends the producer may have pending at once. 1 for synchronous variants (each send waits
   * for the consumer: that is the variant). Asynchronous variants get a window: their send
   * resolves when the medium accepted the message, and awaiting each one alone would
   * measure the event loop's turn-around instead of the medium.
   */
  window: number;
  /** `process.hrtime.bigint()` of the harness, as a decimal string (bigint does not cross IPC). */
  epochNs: string;
}

/** What the sending side saw. */
export interface SenderReport {
  /** Every message sent, warm-up included. */
  sent: number;
  /** Messages sent after the warm-up. */
  measuredSent: number;
  /** When the first measured message went (its scheduled time in the latency pass; ns since epoch). */
  startNs: number;
  /** When the last send resolved and close() returned (ns since epoch). */
  endNs: number;
  /** CPU spent by this process from the first measured send to close(). */
  cpu: CpuFigures;
  /**
   * Latency pass: the least a send of the last quarter of the measured ones went out after its
   * scheduled time (ns). A variant that holds the rate lets the producer get back on schedule
   * now and then; one at or past its limit never does. Absent in the throughput pass.
   */
  tailLagNs?: number;
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  samples: number;
}

/** What the receiving side saw. */
export interface ReceiverReport {
  received: number;
  /** Distinct sequence numbers received: lost = sent - distinct. */
  distinct: number;
  measuredReceived: number;
  /** Filled in by whoever knows how many were sent. */
  lost: number;
  duplicated: number;
  reordered: number;
  /** Messages whose length or filler was not what was sent. */
  corrupt: number;
  /**
   * The receiver's own clock for the rate: at the first measured message and at the last of
   * every 64 (throughput pass), or at every message, warm-up included (latency pass);
   * `timedCount` messages arrived after `firstNs`, up to `timedNs` (ns since epoch), so the
   * rate is timedCount / (timedNs - firstNs).
   */
  firstNs: number;
  timedNs: number;
  timedCount: number;
  /** When the iteration ended (ns since epoch). */
  lastNs: number;
  /** Latency pass: from each message's scheduled send time to its arrival, microseconds. */
  latencyUs: LatencyFigures | null;
  cpu: CpuFigures;
}

/** Peak resident set and CPU of one process, from the process itself. */
export class Clock {
  readonly #epoch: bigint;
  constructor(epochNs: string) {
    this.#epoch = BigInt(epochNs);
  }
  now(): number {
    return Number(process.hrtime.bigint() - this.#epoch);
  }
}

const scratch = new Uint8Array(8);
const scratchFloat = new Float64Array(scratch.buffer);

export function writeSeq(message: Uint8Array, seq: number): void {
  message[0] = seq & 0xff;
  message[1] = (seq >>> 8) & 0xff;
  message[2] = (seq >>> 16) & 0xff;
  message[3] = (seq >>> 24) & 0xff;
}

export function writeSentNs(message: Uint8Array, sentNs: number): void {
  scratchFloat[0] = sentNs;
  message.set(scratch, 8);
}

export function readSeq(message: Uint8Array): number {
  return (message[0]! | (message[1]! << 8) | (message[2]! << 16) | (message[3]! << 24)) >>> 0;
}

export function readSentNs(message: Uint8Array): number {
  for (let i = 0; i < 8; i++) scratch[i] = message[8 + i]!;
  return scratchFloat[0]!;
}

export function template(size: number): Uint8Array {
  // Printable filler so a captured message is readable; the header overwrites the start.
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = 0x61 + (i % 26);
  bytes.fill(0, 0, Math.min(size, HEADER_BYTES));
  return bytes;
}

/** The filler's last byte: the consumer checks it (and the length) on every message. */
export function lastByte(size: number): number {
  return size > HEADER_BYTES ? 0x61 + ((size - 1) % 26) : 0;
}

/**
 * Buffers made before the run, used in turn. In-process variants may keep a reference to what
 * they were given until the consumer takes it, so a buffer comes round again only after more
 * messages than any window plus any medium's capacity hold (64 + 4 × window at least, and 256 KiB
 * of messages where that is more). A variant that still held one would show up as duplicated
 * or reordered messages, never silently.
 *
 * Each buffer has an ArrayBuffer of its own: V8 keeps a typed array of up to 64 bytes made with
 * `new Uint8Array(n)` inside the JavaScript heap, and native code asking for its bytes (a
 * Node-API addon, a socket write) first moves them out, a cost per message that the variant
 * would be charged with; and a view into one shared ArrayBuffer would be copied whole by
 * structured clone (postMessage, the advanced IPC serialization).
 */
export class MessagePool {
  readonly #buffers: Uint8Array[];

  constructor(size: number, window: number) {
    const count = Math.max(64 + 4 * window, Math.min(65_536, Math.ceil(2 ** 18 / size)));
    const filler = template(size);
    this.#buffers = Array.from({ length: count }, () => {
      const bytes = new Uint8Array(new ArrayBuffer(size));
      bytes.set(filler);
      return bytes;
    });
  }

  get count(): number {
    return this.#buffers.length;
  }

  #next = 0;

  /**
   * The next buffer in turn, with `seq` stamped in place. The turn is the pool's own, not
   * `seq`: the measured messages' numbers jump past a warm-up that ended early, and a buffer
   * chosen by number could then be one still pending.
   */
  take(seq: number): Uint8Array {
    const message = this.#buffers[this.#next]!;
    this.#next = this.#next + 1 === this.#buffers.length ? 0 : this.#next + 1;
    writeSeq(message, seq);
    return message;
  }
}

/**
 * Counts what arrived against what was sent: a bitmap of sequence numbers seen. A number seen
 * twice is a duplicate; one lower than the highest seen so far is reordered; whatever was sent
 * and never seen is lost.
 */
export class SequenceChecker {
  #seen = new Uint8Array(4096);
  #highest = -1;
  distinct = 0;
  duplicated = 0;
  reordered = 0;

  /** Returns false for a duplicate. */
  record(seq: number): boolean {
    if (seq >= this.#seen.length) {
      let length = this.#seen.length;
      while (length <= seq) length *= 2;
      const grown = new Uint8Array(length);
      grown.set(this.#seen);
      this.#seen = grown;
    }
    if (this.#seen[seq] === 1) {
      this.duplicated++;
      return false;
    }
    this.#seen[seq] = 1;
    this.distinct++;
    if (seq < this.#highest) this.reordered++;
    else this.#highest = seq;
    return true;
  }

  lost(sent: number): number {
    return Math.max(0, sent - this.distinct);
  }
}

/**
 * An HDR histogram of nanoseconds (3 significant digits), summarised in microseconds.
 * hdr-histogram-js's WebAssembly histogram: about 26 ns per recordValue here, against 210 ns
 * for its JavaScript one. Create with `LatencyRecorder.create()`; summary() frees it.
 */
export class LatencyRecorder {
  readonly #histogram: hdr.Histogram;

  private constructor(histogram: hdr.Histogram) {
    this.#histogram = histogram;
  }

  static async create(): Promise<LatencyRecorder> {
    await hdr.initWebAssembly();
    return new LatencyRecorder(
      hdr.build({ bitBucketSize: 64, numberOfSignificantValueDigits: 3, useWebAssembly: true }),
    );
  }

  record(ns: number): void {
    this.#histogram.recordValue(Math.max(1, Math.round(ns)));
  }

  summary(): LatencyFigures {
    const h = this.#histogram;
    const us = (ns: number) => Math.round(ns / 10) / 100;
    const figures = {
      p50: us(h.getValueAtPercentile(50)),
      p99: us(h.getValueAtPercentile(99)),
      p999: us(h.getValueAtPercentile(99.9)),
      max: us(h.maxValue),
      mean: us(h.mean),
      samples: h.totalCount,
    };
    h.destroy(); // WebAssembly memory is not garbage-collected
    return figures;
  }
}

/**
 * The producer loop. Throughput pass: warm-up, then the measured messages from the pool, with
 * at most `plan.window` sends pending — the variant's contract is the backpressure (a
 * synchronous send waits for the consumer, an asynchronous one for the medium). Latency pass:
 * the open loop of latency.ts. Closes the producer at the end so the consumer's iteration
 * finishes.
 */
export async function sendStream(producer: Producer, plan: Plan, sameThread = false): Promise<SenderReport> {
  if (plan.pass === "latency") return (await import("./latency.ts")).sendOpenLoop(producer, plan, sameThread);
  const clock = new Clock(plan.epochNs);
  const pool = new MessagePool(plan.size, plan.window);
  const sends = windowed(producer, plan.window);
  const warmupEnd = clock.now() + plan.warmupSeconds * 1e9;
  let warmupSent = 0;
  while (warmupSent < plan.warmup) {
    const wait = sends.send(pool.take(warmupSent));
    warmupSent++;
    if (wait) {
      await wait;
      sends.settled(wait);
    }
    if ((warmupSent & 63) === 0 && clock.now() > warmupEnd) break;
  }
  const cpuStart = process.cpuUsage();
  const startNs = clock.now();
  const deadline = startNs + plan.maxSeconds * 1e9;
  let measuredSent = 0;
  while (measuredSent < plan.messages) {
    const seq = plan.warmup + measuredSent;
    const wait = sends.send(pool.take(seq));
    measuredSent++;
    if (wait) {
      await wait;
      sends.settled(wait);
    }
    // No clock per message: look every 64.
    if ((measuredSent & 63) === 0 && clock.now() > deadline) break;
  }
  await sends.drain();
  await producer.close();
  return {
    sent: warmupSent + measuredSent,
    measuredSent,
    startNs,
    endNs: clock.now(),
    cpu: cpuSince(cpuStart),
  };
}

/**
 * What the consumer loop counts, in one object: the loop's `await` then saves and restores one
 * reference instead of a dozen locals, on every message. Checks the length, the filler's last
 * byte and the sequence number of every message. Throughput pass: the clock is read at the
 * first measured message and then at every 64th. Latency pass: each measured message's latency
 * from its scheduled send time goes into the histogram.
 */
class Tally {
  readonly checker = new SequenceChecker();
  readonly #clock: Clock;
  readonly #size: number;
  readonly #last: number;
  readonly #warmup: number;
  received = 0;
  measured = 0;
  corrupt = 0;
  firstNs = 0;
  timedNs = 0;
  timedCount = 0;
  cpuStart: NodeJS.CpuUsage | undefined;

  constructor(plan: Plan, clock: Clock) {
    this.#clock = clock;
    this.#size = plan.size;
    this.#last = lastByte(plan.size);
    this.#warmup = plan.warmup;
  }

  /** The sequence number of an intact message seen for the first time, else -1. */
  #check(message: Uint8Array): number {
    this.received++;
    if (message.byteLength !== this.#size || message[this.#size - 1] !== this.#last) {
      this.corrupt++;
      return -1;
    }
    const seq = readSeq(message);
    return this.checker.record(seq) ? seq : -1;
  }

  throughput(message: Uint8Array): void {
    const seq = this.#check(message);
    if (seq < this.#warmup) return; // also -1: corrupt or duplicated
    const measured = ++this.measured;
    if (measured === 1) {
      this.cpuStart = process.cpuUsage();
      this.firstNs = this.timedNs = this.#clock.now();
    } else if ((measured & 63) === 0) {
      this.timedNs = this.#clock.now();
      this.timedCount = measured - 1;
    }
  }

  latency(message: Uint8Array, recorder: LatencyRecorder): void {
    const seq = this.#check(message);
    if (seq < 0) return;
    // Every message is timed here, warm-up included: the rate reached counts them all.
    const now = this.#clock.now();
    const distinct = this.checker.distinct;
    if (distinct === 1) this.firstNs = now;
    this.timedNs = now;
    this.timedCount = distinct - 1;
    if (seq < this.#warmup) return;
    if (++this.measured === 1) this.cpuStart = process.cpuUsage();
    recorder.record(now - readSentNs(message));
  }
}

/**
 * The consumer loop: iterates until the producer closes, counting with a Tally. How many were
 * sent is unknown here: the caller computes `lost` from the sender's count and `distinct`.
 */
export async function receiveStream(consumer: Consumer, plan: Plan): Promise<ReceiverReport> {
  const clock = new Clock(plan.epochNs);
  const tally = new Tally(plan, clock);
  const latency = plan.pass === "latency" ? await LatencyRecorder.create() : undefined;
  if (latency) await eachMessage(consumer, (message) => tally.latency(message, latency));
  else await eachMessage(consumer, (message) => tally.throughput(message));
  const lastNs = clock.now();
  const { checker, cpuStart } = tally;
  return {
    received: tally.received,
    distinct: checker.distinct,
    measuredReceived: tally.measured,
    lost: 0,
    duplicated: checker.duplicated,
    reordered: checker.reordered,
    corrupt: tally.corrupt,
    firstNs: tally.firstNs,
    timedNs: tally.timedNs,
    timedCount: tally.timedCount,
    lastNs,
    // CPU first: building the histogram is not the variant's work.
    cpu: cpuStart ? cpuSince(cpuStart) : { userMs: 0, systemMs: 0 },
    latencyUs: latency ? latency.summary() : null,
  };
}

export { ping, pong } from "./round-trip.ts";
export { eachMessage, windowed } from "./settled.ts";
