/**
 * What the Producer/Consumer layer costs on pipes-named: one-way throughput of 64 B messages
 * between two processes through the variant, against the same bytes moved by hand with
 * net.Socket over the same FIFO pair, in the same run, trials interleaved.
 *
 * Like with like: pipes-named is synchronous, so every variant send waits for the consumer's
 * ack on the second FIFO. The raw baseline speaks the same protocol (length-prefixed frames
 * one way, one ack byte per message back), so the ratio is the adapter's cost alone. Two
 * shapes: sequential (await each send: one round trip per message) and a window of sends in
 * flight. A raw one-way run without acks is printed as context: what the synchronous
 * contract itself costs, not the adapter.
 *
 *   node --import tsx bench/adapter-cost.ts [--rounds 5] [--sequential 20000] [--windowed 200000] [--window 64]
 */

import { cpus, loadavg, release } from "node:os";
import { parseArgs } from "node:util";
import { type ChildHandle, spawnScript } from "@ipc-atlas/core";
import { openNamedPipe } from "../src/pipes-named.ts";
import type { Mode, WorkerRequest } from "./worker.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    sequential: { type: "string", default: "20000" },
    windowed: { type: "string", default: "200000" },
    window: { type: "string", default: "64" },
    json: { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const window = Number(values.window);

interface Trial {
  name: string;
  mode: Mode;
  count: number;
  window: number;
}
const trials: Trial[] = [
  { name: "variant, sequential", mode: "variant", count: Number(values.sequential), window: 1 },
  { name: "raw, sequential", mode: "raw-acked", count: Number(values.sequential), window: 1 },
  { name: `variant, window ${window}`, mode: "variant", count: Number(values.windowed), window },
  { name: `raw, window ${window}`, mode: "raw-acked", count: Number(values.windowed), window },
  { name: "raw one-way, no acks", mode: "raw-one-way", count: Number(values.windowed), window: 1 },
];

function nextMessage<T>(child: ChildHandle, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (m.failed) reject(new Error(`worker ${child.pid}: ${String(m.failed)}`));
      else if (!(key in m)) return;
      else resolve(m as T);
      child.process.off("message", onMessage);
    };
    child.process.on("message", onMessage);
  });
}

const worker = new URL("./worker.ts", import.meta.url);
const consumer = spawnScript(worker);
const producer = spawnScript(worker);
await Promise.all([nextMessage(consumer, "started"), nextMessage(producer, "started")]);

interface Sample {
  /** Messages per second, consumer's last message minus producer's start (one clock per host). */
  rate: number;
  /** CPU time of both processes per message, µs (warm-up included, the same for every trial). */
  cpuPerMessage: number;
}

async function run(trial: Trial): Promise<Sample> {
  const endpoint = await openNamedPipe();
  try {
    const ready = nextMessage(consumer, "ready");
    const consumed = nextMessage<{ count: number; lastNs: string; cpuUs: number }>(consumer, "done");
    consumer.process.send({
      op: "consume",
      mode: trial.mode,
      address: endpoint.address,
    } satisfies WorkerRequest);
    await ready;
    const produced = nextMessage<{ startNs: string; cpuUs: number }>(producer, "done");
    const warmup = Math.min(2000, trial.count / 10);
    producer.process.send({
      op: "produce",
      mode: trial.mode,
      address: endpoint.address,
      warmup,
      count: trial.count,
      window: trial.window,
    } satisfies WorkerRequest);
    const [c, p] = await Promise.all([consumed, produced]);
    if (c.count !== warmup + trial.count)
      throw new Error(`${trial.name}: ${c.count} of ${warmup + trial.count} arrived`);
    return {
      rate: trial.count / (Number(BigInt(c.lastNs) - BigInt(p.startNs)) / 1e9),
      cpuPerMessage: (c.cpuUs + p.cpuUs) / c.count,
    };
  } finally {
    await endpoint.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const samples = new Map<string, Sample[]>(trials.map((t) => [t.name, []]));
try {
  for (let round = 0; round < rounds; round++) {
    // Variant and raw of one shape run back to back, their order alternating each round, so a
    // change in machine load hits both sides of a pair alike.
    const order = round % 2 === 0 ? trials : [...trials].reverse();
    for (const trial of order) samples.get(trial.name)!.push(await run(trial));
  }
} finally {
  consumer.process.disconnect();
  producer.process.disconnect();
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const rates = (name: string) => samples.get(name)!.map((s) => s.rate);
const cpuPer = (name: string) => median(samples.get(name)!.map((s) => s.cpuPerMessage));
const cpu = cpus();
console.log(
  `pipes-named adapter cost — ${cpu[0]?.model ?? "cpu"} × ${cpu.length}, Linux ${release()}, Node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(`64 B messages, two processes, ${rounds} rounds interleaved; medians (min–max)\n`);
console.log(
  `  ${"".padEnd(24)} ${"msg/s".padStart(10)}  ${"MB/s".padStart(6)}  ${"CPU µs/msg".padStart(10)}`,
);
for (const trial of trials) {
  const xs = rates(trial.name);
  const rate = median(xs);
  console.log(
    `  ${trial.name.padEnd(24)} ${fmt(rate).padStart(10)}  ${((rate * 64) / 1e6).toFixed(2).padStart(6)}  ${cpuPer(trial.name).toFixed(2).padStart(10)}   (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} msg/s, n=${trial.count})`,
  );
}
/** Median over rounds of variant/raw from the same round: pairs share the machine's load. */
const pairedRatio = (variant: string, raw: string) => {
  const v = samples.get(variant)!;
  const r = samples.get(raw)!;
  return {
    throughput: median(v.map((s, i) => s.rate / r[i]!.rate)),
    cpu: median(v.map((s, i) => s.cpuPerMessage / r[i]!.cpuPerMessage)),
  };
};
const sequential = pairedRatio("variant, sequential", "raw, sequential");
const windowedRatio = pairedRatio(`variant, window ${window}`, `raw, window ${window}`);
const pct = (ratio: number) => `${((1 - ratio) * 100).toFixed(1)} %`;
console.log(
  `\nvariant/raw, median of per-round pairs: sequential throughput ${sequential.throughput.toFixed(3)} (cost ${pct(sequential.throughput)}), ` +
    `CPU per message ${sequential.cpu.toFixed(3)}; window ${window}: throughput ${windowedRatio.throughput.toFixed(3)} ` +
    `(cost ${pct(windowedRatio.throughput)}), CPU per message ${windowedRatio.cpu.toFixed(3)}`,
);
console.log(
  `the synchronous contract itself (raw acked, window ${window}, vs raw one-way): ${(median(rates(`raw, window ${window}`)) / median(rates("raw one-way, no acks"))).toFixed(2)}× the throughput`,
);
if (values.json) {
  console.log(
    JSON.stringify({
      rounds,
      results: trials.map((t) => ({ ...t, samples: samples.get(t.name) })),
      sequential,
      windowed: windowedRatio,
    }),
  );
}
