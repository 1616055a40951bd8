/**
 * One-way throughput of this package's rings beside what they compete with, in the same run:
 * shared-memory-posix against message-queues (both between two processes), and
 * shared-memory-workers against worker_threads postMessage (both between two threads).
 *
 *   node --import tsx bench/throughput.ts [--messages 200000] [--warmup 20000] [--rounds 3] [--sizes 64,1024]
 *
 * Every producer stamps a sequence number into each message in place and awaits each send
 * (postMessage, which has no backpressure, keeps at most 256 unacknowledged); every consumer
 * checks the numbers (lost, duplicated, reordered) and times the messages after the warm-up.
 * The rows alternate within each round, so drift of a shared machine hits them alike; the
 * ratios are taken within each round and medians reported. For the process rows, CPU time
 * per message of each side is printed too: on a loaded machine it moves far less than msg/s.
 */

import { parseArgs } from "node:util";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { spawnScript, spawnThread } from "@ipc-atlas/core";
import { messageQueues } from "@ipc-atlas/message-queue";
import { sharedMemoryPosix, sharedMemoryWorkers } from "../src/index.ts";
import type { ConsumerReport, PeerConfig } from "./peer.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "200000" },
    warmup: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
    sizes: { type: "string", default: "64,1024" },
  },
});
const messages = Number(values.messages);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const sizes = values.sizes.split(",").map(Number);
const peer = new URL("./peer.ts", import.meta.url);

type Row = "shared-memory-posix" | "message-queues" | "shared-memory-workers" | "worker-threads postMessage";
const rows: Row[] = [
  "shared-memory-posix",
  "message-queues",
  "shared-memory-workers",
  "worker-threads postMessage",
];

function result(source: {
  once(event: "message", listener: (m: unknown) => void): unknown;
}): Promise<ConsumerReport> {
  return new Promise((resolve) => {
    const listen = () =>
      source.once("message", (m) => {
        const r = (m as { result?: ConsumerReport }).result;
        if (r) resolve(r);
        else listen();
      });
    listen();
  });
}

async function inProcesses(variant: typeof sharedMemoryPosix | typeof messageQueues, size: number) {
  const endpoint = await variant.open({ maxMessageSize: size });
  try {
    const base = {
      kind: variant === messageQueues ? "mq" : "posix",
      size,
      messages,
      warmup,
      address: endpoint.address,
    };
    const start = (role: PeerConfig["role"]) =>
      spawnScript(peer, { env: { ...process.env, IPC_ATLAS_BENCH: JSON.stringify({ ...base, role }) } });
    const consumer = start("consumer");
    const done = result(consumer.process);
    const producer = start("producer");
    const producerCpu = new Promise<number>((resolve) =>
      producer.process.on("message", (m: { producerCpuMicros?: number }) => {
        if (m.producerCpuMicros !== undefined) resolve(m.producerCpuMicros);
      }),
    );
    const report = await done;
    await Promise.all([consumer.exited, producer.exited]);
    return { ...report, producerCpuMicros: await producerCpu };
  } finally {
    await endpoint.close();
  }
}

async function inThreads(kind: "workers" | "post", size: number) {
  const base = { kind, size, messages, warmup };
  let producerData: PeerConfig;
  let consumerData: PeerConfig;
  const transfers: { producer: MessagePort[]; consumer: MessagePort[] } = { producer: [], consumer: [] };
  if (kind === "workers") {
    const { address } = await sharedMemoryWorkers.open({ maxMessageSize: size });
    producerData = { ...base, role: "producer", address };
    consumerData = { ...base, role: "consumer", address };
  } else {
    const { port1, port2 } = new MessageChannel();
    producerData = { ...base, role: "producer", port: port1 };
    consumerData = { ...base, role: "consumer", port: port2 };
    transfers.producer.push(port1);
    transfers.consumer.push(port2);
  }
  const consumer = spawnThread(peer, { data: consumerData, transferList: transfers.consumer });
  const done = result(consumer.worker);
  const producer = spawnThread(peer, { data: producerData, transferList: transfers.producer });
  const report = await done;
  await Promise.all([consumer.exited, producer.exited]);
  return report;
}

function run(row: Row, size: number): Promise<ConsumerReport & { producerCpuMicros?: number }> {
  if (row === "shared-memory-posix") return inProcesses(sharedMemoryPosix, size);
  if (row === "message-queues") return inProcesses(messageQueues, size);
  return inThreads(row === "shared-memory-workers" ? "workers" : "post", size);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

console.log(
  `${new Date().toISOString()} node ${process.version}; ${messages} messages after ${warmup} warm-up, ${rounds} rounds`,
);
for (const size of sizes) {
  const rates = new Map<Row, number[]>(rows.map((r) => [r, []]));
  const faults = new Map<Row, number>(rows.map((r) => [r, 0]));
  const cpu = new Map<Row, { consumer: number[]; producer: number[] }>(
    rows.map((r) => [r, { consumer: [], producer: [] }]),
  );
  const ratios = { posixOverMq: [] as number[], workersOverPost: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const perRound = new Map<Row, number>();
    for (const row of round % 2 ? [...rows].reverse() : rows) {
      const r = await run(row, size);
      faults.set(
        row,
        faults.get(row)! + r.lost + r.duplicated + r.reordered + Math.abs(r.received - messages),
      );
      const rate = (messages - 1) / r.seconds;
      if (r.producerCpuMicros !== undefined) {
        cpu.get(row)!.consumer.push(r.cpuMicros);
        cpu.get(row)!.producer.push(r.producerCpuMicros);
      }
      perRound.set(row, rate);
      rates.get(row)!.push(rate);
    }
    ratios.posixOverMq.push(perRound.get("shared-memory-posix")! / perRound.get("message-queues")!);
    ratios.workersOverPost.push(
      perRound.get("shared-memory-workers")! / perRound.get("worker-threads postMessage")!,
    );
  }
  console.log(
    `\n${size} B                          median msg/s   (min – max)              lost+dup+reordered`,
  );
  for (const row of rows) {
    const xs = rates.get(row)!;
    console.log(
      `  ${row.padEnd(28)} ${fmt(median(xs)).padStart(12)}   (${fmt(Math.min(...xs))} – ${fmt(Math.max(...xs))})`.padEnd(
        78,
      ) + String(faults.get(row)),
    );
  }
  for (const row of rows) {
    const c = cpu.get(row)!;
    if (c.consumer.length === 0) continue;
    console.log(
      `  ${row.padEnd(28)} CPU µs/message: consumer ${median(c.consumer).toFixed(2)}, producer ${median(c.producer).toFixed(2)}`,
    );
  }
  console.log(`  shared-memory-posix ÷ message-queues: ${median(ratios.posixOverMq).toFixed(1)}×`);
  console.log(`  shared-memory-workers ÷ postMessage:  ${median(ratios.workersOverPost).toFixed(1)}×`);
}
