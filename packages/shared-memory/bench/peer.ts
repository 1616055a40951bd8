/**
 * One side of a bench pair (bench/throughput.ts): a producer that sends warm-up + N messages,
 * each stamped in place with its sequence number, or a consumer that checks every sequence
 * number and times the N after the warm-up. Runs as a process (config in IPC_ATLAS_BENCH) or
 * as a worker thread (config in workerData); reports through process.send or the parent port.
 */

import { isMainThread, type MessagePort, parentPort, workerData } from "node:worker_threads";
import { messageQueues } from "@ipc-atlas/message-queue";
import {
  type PosixRingAddress,
  posixConsumer,
  posixProducer,
  workersConsumer,
  workersProducer,
} from "../src/index.ts";

export interface PeerConfig {
  kind: "posix" | "mq" | "workers" | "post";
  role: "producer" | "consumer";
  size: number;
  messages: number;
  warmup: number;
  address?: unknown;
  port?: MessagePort;
}

export interface ConsumerReport {
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  seconds: number;
  /** CPU time of this process per timed message, in µs (process rows only: threads share the process). */
  cpuMicros: number;
}

/** postMessage has no backpressure: the producer keeps at most WINDOW messages unacknowledged. */
const WINDOW = 256;

const config = (isMainThread ? JSON.parse(process.env.IPC_ATLAS_BENCH ?? "null") : workerData) as PeerConfig;
const report = (message: unknown) =>
  isMainThread ? process.send?.(message) : parentPort?.postMessage(message);
const total = config.warmup + config.messages;

async function produce(): Promise<void> {
  const record = Buffer.alloc(config.size);
  if (config.kind === "post") {
    const port = config.port!;
    let acknowledged = 0;
    let resume: (() => void) | undefined;
    port.on("message", (count: number) => {
      acknowledged = count;
      resume?.();
    });
    for (let seq = 0; seq < total; seq++) {
      while (seq - acknowledged >= WINDOW) await new Promise<void>((r) => (resume = r));
      record.writeUInt32LE(seq, 0);
      port.postMessage(record); // structured clone: a copy per message
    }
    port.postMessage(null);
    port.close();
    return;
  }
  const producer =
    config.kind === "posix"
      ? posixProducer(config.address as PosixRingAddress)
      : config.kind === "workers"
        ? workersProducer(config.address as never)
        : await messageQueues.producer(config.address as never);
  for (let seq = 0; seq < total; seq++) {
    if (seq === config.warmup) producerCpuAtStart = process.cpuUsage();
    record.writeUInt32LE(seq, 0);
    await producer.send(record);
  }
  await producer.close();
}

let producerCpuAtStart = process.cpuUsage();

async function consume(): Promise<ConsumerReport> {
  let expected = 0;
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let received = 0;
  let started = 0n;
  let cpuAtStart = process.cpuUsage();
  const check = (message: Uint8Array) => {
    const seq = message[0]! | (message[1]! << 8) | (message[2]! << 16) | (message[3]! << 24);
    if (seq === config.warmup) {
      started = process.hrtime.bigint();
      cpuAtStart = process.cpuUsage();
    }
    received++;
    if (seq === expected) expected++;
    else if (seq > expected) {
      lost += seq - expected;
      expected = seq + 1;
    } else if (seq === expected - 1) duplicated++;
    else reordered++;
  };
  if (config.kind === "post") {
    const port = config.port!;
    await new Promise<void>((resolve) => {
      port.on("message", (message: Uint8Array | null) => {
        if (message === null) return resolve();
        check(message);
        if (received % (WINDOW / 4) === 0) port.postMessage(received);
      });
    });
    port.close();
  } else {
    const consumer =
      config.kind === "posix"
        ? posixConsumer(config.address as PosixRingAddress)
        : config.kind === "workers"
          ? workersConsumer(config.address as never)
          : await messageQueues.consumer(config.address as never);
    for await (const message of consumer) check(message);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMicros = (cpu.user + cpu.system) / config.messages;
  return { received: received - config.warmup, lost, duplicated, reordered, seconds, cpuMicros };
}

if (config.role === "producer") {
  await produce();
  const cpu = process.cpuUsage(producerCpuAtStart);
  report({ producerCpuMicros: (cpu.user + cpu.system) / config.messages });
} else report({ result: await consume() });
