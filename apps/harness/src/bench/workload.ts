/**
 * The benchmark workload, identical for every variant: messages of a fixed size whose first
 * 16 bytes carry a sequence number and the send time. The loops here run wherever the
 * producer or consumer lives (a bench child process, a worker thread, one process for
 * in-process variants); they only see the Producer / Consumer interface, never a variant name.
 *
 * Header (little-endian): bytes 0-3 sequence number, 4-7 zero, 8-15 the send time as a
 * float64 count of nanoseconds since `epochNs`, a `process.hrtime.bigint()` reading taken by
 * the harness and handed to every process. hrtime is CLOCK_MONOTONIC, one clock for every
 * process of a host, so a receive time minus the send time is a one-way latency even across
 * processes. A float64 holds nanoseconds exactly for 104 days past the epoch.
 */

import type { Consumer, Producer } from "@ipc-atlas/core";
import * as hdr from "hdr-histogram-js";

export const HEADER_BYTES = 16;

/** What one run sends: the same for the producer, the consumer and the native ceiling. */
export interface Plan {
  size: number;
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
   * for the consumer: that is the variant). Asynchronous variants get a small window: their
   * send resolves when the medium accepted the message, and awaiting each one alone would
   * measure the event loop's turn-around instead of the medium.
   */
  window: number;
  /** `process.hrtime.bigint()` of the harness, as a decimal string (bigint does not cross IPC). */
  epochNs: string;
}

export interface CpuFigures {
  userMs: number;
  systemMs: number;
}

/** What the sending side saw. */
export interface SenderReport {
  /** Every message sent, warm-up included. */
  sent: number;
  /** Messages sent after the warm-up. */
  measuredSent: number;
  /** When the first measured message was built (ns since epoch). */
  startNs: number;
  /** When the last send resolved and close() returned (ns since epoch). */
  endNs: number;
  /** CPU spent by this process from the first measured send to close(). */
  cpu: CpuFigures;
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
  /** Messages whose length was not the planned size. */
  corrupt: number;
  /** Receive time of the last message (ns since epoch). */
  lastNs: number;
  /** One-way latency (or round-trip time in ping-pong), microseconds. */
  latencyUs: LatencyFigures;
  cpu: CpuFigures;
}

/** Peak resident set and CPU of one process, from the process itself. */
export interface ProcessFigures {
  role: string;
  pid: number;
  /** CPU during the measured window (see SenderReport/ReceiverReport). */
  cpu: CpuFigures;
  /** process.resourceUsage().maxRSS: peak resident set of the process's whole life, KiB. */
  maxRssKiB: number;
}

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

/** A fresh message (variants may keep a reference to what they are given, so never reuse one). */
export function makeMessage(template: Uint8Array, seq: number, sentNs: number): Uint8Array {
  const message = new Uint8Array(template.byteLength);
  message.set(template);
  message[0] = seq & 0xff;
  message[1] = (seq >>> 8) & 0xff;
  message[2] = (seq >>> 16) & 0xff;
  message[3] = (seq >>> 24) & 0xff;
  scratchFloat[0] = sentNs;
  message.set(scratch, 8);
  return message;
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
  return bytes;
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
 * for its JavaScript one (Math.log2 and Math.pow per value), which inside the measured loop
 * would be charged to the variant. Create with `LatencyRecorder.create()`; summary() frees it.
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

function cpuSince(start: NodeJS.CpuUsage): CpuFigures {
  const d = process.cpuUsage(start);
  return { userMs: d.user / 1000, systemMs: d.system / 1000 };
}

export function processFigures(role: string, cpu: CpuFigures): ProcessFigures {
  return { role, pid: process.pid, cpu, maxRssKiB: process.resourceUsage().maxRSS };
}

/**
 * The producer loop: warm-up, then the measured messages, with at most `plan.window` sends
 * pending — the variant's contract is the backpressure (a synchronous send waits for the
 * consumer, an asynchronous one for the medium). Closes the producer at the end so the
 * consumer's iteration finishes.
 */
export async function sendStream(producer: Producer, plan: Plan): Promise<SenderReport> {
  const clock = new Clock(plan.epochNs);
  const filler = template(plan.size);
  const window = Math.max(1, plan.window);
  // The sends in flight, in a ring of `window` slots: send `seq` takes the slot of send
  // `seq - window`, which must be done first. Only `window` promises stay alive, so the
  // loop's own garbage dies young (a growing list of them kept the scavenger busy).
  const inFlight: (Promise<void> | undefined)[] = new Array(window).fill(undefined);
  const ignore = () => {};
  /** Sends message `seq`; returns what to await before the next send, if anything. */
  const send = (seq: number): Promise<void> | undefined => {
    const sent = producer.send(makeMessage(filler, seq, clock.now()));
    if (window === 1) return sent;
    sent.catch(ignore); // awaited later; this only keeps a rejection from being "unhandled" meanwhile
    const slot = seq % window;
    const oldest = inFlight[slot];
    inFlight[slot] = sent;
    return oldest;
  };
  const warmupEnd = clock.now() + plan.warmupSeconds * 1e9;
  let warmupSent = 0;
  while (warmupSent < plan.warmup) {
    const wait = send(warmupSent++);
    if (wait) await wait;
    if ((warmupSent & 15) === 0 && clock.now() > warmupEnd) break;
  }
  const cpuStart = process.cpuUsage();
  const startNs = clock.now();
  const deadline = startNs + plan.maxSeconds * 1e9;
  let measuredSent = 0;
  while (measuredSent < plan.messages) {
    const wait = send(plan.warmup + measuredSent);
    if (wait) await wait;
    measuredSent++;
    // Reading the clock costs little, but not nothing: look every 64 messages.
    if ((measuredSent & 63) === 0 && clock.now() > deadline) break;
  }
  for (const sent of inFlight) if (sent) await sent;
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
 * The consumer loop: iterates until the producer closes, checking sequence numbers and
 * recording the latency of each measured message. How many were sent is unknown here: the
 * caller computes `lost` from the sender's count and `distinct`.
 */
export async function receiveStream(consumer: Consumer, plan: Plan): Promise<ReceiverReport> {
  const clock = new Clock(plan.epochNs);
  const checker = new SequenceChecker();
  const latency = await LatencyRecorder.create();
  let received = 0;
  let measuredReceived = 0;
  let corrupt = 0;
  let lastNs = 0;
  let cpuStart: NodeJS.CpuUsage | undefined;
  for await (const message of consumer) {
    const now = clock.now();
    received++;
    lastNs = now;
    if (message.byteLength !== plan.size) {
      corrupt++;
      continue;
    }
    const seq = readSeq(message);
    if (!checker.record(seq)) continue;
    if (seq >= plan.warmup) {
      if (measuredReceived === 0) cpuStart = process.cpuUsage();
      measuredReceived++;
      latency.record(now - readSentNs(message));
    }
  }
  return {
    received,
    distinct: checker.distinct,
    measuredReceived,
    lost: 0,
    duplicated: checker.duplicated,
    reordered: checker.reordered,
    corrupt,
    lastNs,
    // CPU first: building the histogram is not the variant's work.
    cpu: cpuStart ? cpuSince(cpuStart) : { userMs: 0, systemMs: 0 },
    latencyUs: latency.summary(),
  };
}

/**
 * Ping-pong, the pinging side: sends one message, waits for its echo on the other medium,
 * records the round-trip time. One message in flight at a time, so this measures latency
 * without queueing.
 */
export async function ping(
  producer: Producer,
  consumer: Consumer,
  plan: Plan,
): Promise<{ sender: SenderReport; receiver: ReceiverReport }> {
  const clock = new Clock(plan.epochNs);
  const filler = template(plan.size);
  const echoes = consumer[Symbol.asyncIterator]();
  const checker = new SequenceChecker();
  const latency = await LatencyRecorder.create();
  let received = 0;
  let measuredReceived = 0;
  let corrupt = 0;
  let lastNs = 0;
  /** One ping and its echo; false when the echoes ended early. */
  const exchange = async (seq: number): Promise<boolean> => {
    await producer.send(makeMessage(filler, seq, clock.now()));
    const echo = await echoes.next();
    const now = clock.now();
    if (echo.done) return false;
    received++;
    lastNs = now;
    const message = echo.value;
    if (message.byteLength !== plan.size) {
      corrupt++;
      return true;
    }
    const echoed = readSeq(message);
    if (checker.record(echoed) && echoed >= plan.warmup) {
      measuredReceived++;
      latency.record(now - readSentNs(message));
    }
    return true;
  };
  const warmupEnd = clock.now() + plan.warmupSeconds * 1e9;
  let warmupSent = 0;
  let open = true;
  while (open && warmupSent < plan.warmup) {
    open = await exchange(warmupSent++);
    if ((warmupSent & 15) === 0 && clock.now() > warmupEnd) break;
  }
  const cpuStart = process.cpuUsage();
  const startNs = clock.now();
  const deadline = startNs + plan.maxSeconds * 1e9;
  let measuredSent = 0;
  while (open && measuredSent < plan.messages) {
    open = await exchange(plan.warmup + measuredSent++);
    if ((measuredSent & 63) === 0 && clock.now() > deadline) break;
  }
  const sent = warmupSent + measuredSent;
  await producer.close();
  const endNs = clock.now();
  const cpu = cpuSince(cpuStart);
  // The ponger ends its own stream in turn; read up to that end so its close is taken (a
  // synchronous variant's close waits for this side), then release the consumer.
  if (open) while (!(await echoes.next()).done) {}
  await consumer.close();
  return {
    sender: { sent, measuredSent, startNs, endNs, cpu },
    receiver: {
      received,
      distinct: checker.distinct,
      measuredReceived,
      lost: checker.lost(sent),
      duplicated: checker.duplicated,
      reordered: checker.reordered,
      corrupt,
      lastNs,
      latencyUs: latency.summary(),
      cpu,
    },
  };
}

/** Ping-pong, the echoing side: sends every message back as it came, closes when the pinger does. */
export async function pong(
  consumer: Consumer,
  producer: Producer,
): Promise<{ echoed: number; cpu: CpuFigures }> {
  const cpuStart = process.cpuUsage();
  let echoed = 0;
  for await (const message of consumer) {
    await producer.send(message);
    echoed++;
  }
  await producer.close();
  return { echoed, cpu: cpuSince(cpuStart) };
}
