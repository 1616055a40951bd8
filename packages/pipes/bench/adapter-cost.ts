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
import { openNamedPipe } from "../src/named-pipe.ts";
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

async function run(trial: Trial): Promise<number> {
  const endpoint = await openNamedPipe();
  try {
    const ready = nextMessage(consumer, "ready");
    const consumed = nextMessage<{ count: number; lastNs: string }>(consumer, "done");
    consumer.process.send({
      op: "consume",
      mode: trial.mode,
      address: endpoint.address,
    } satisfies WorkerRequest);
    await ready;
    const produced = nextMessage<{ startNs: string }>(producer, "done");
    const warmup = Math.min(2000, trial.count / 10);
    producer.process.send({
      op: "produce",
      mode: trial.mode,
      address: endpoint.address,
      warmup,
      count: trial.count,
      window: trial.window,
    } satisfies WorkerRequest);
    const [{ count, lastNs }, { startNs }] = await Promise.all([consumed, produced]);
    if (count !== warmup + trial.count)
      throw new Error(`${trial.name}: ${count} of ${warmup + trial.count} arrived`);
    return trial.count / (Number(BigInt(lastNs) - BigInt(startNs)) / 1e9);
  } finally {
    await endpoint.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const samples = new Map<string, number[]>(trials.map((t) => [t.name, []]));
try {
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round so drift in machine load does not favour one side.
    const order = round % 2 === 0 ? trials : [...trials].reverse();
    for (const trial of order) samples.get(trial.name)!.push(await run(trial));
  }
} finally {
  consumer.process.disconnect();
  producer.process.disconnect();
}

const rate = (name: string) => median(samples.get(name)!);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const cpu = cpus();
console.log(
  `pipes-named adapter cost — ${cpu[0]?.model ?? "cpu"} × ${cpu.length}, Linux ${release()}, Node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(`64 B messages, two processes, ${rounds} rounds interleaved, median msg/s (min–max)\n`);
for (const trial of trials) {
  const xs = samples.get(trial.name)!;
  const mbs = (rate(trial.name) * 64) / 1e6;
  console.log(
    `  ${trial.name.padEnd(24)} ${fmt(rate(trial.name)).padStart(10)} msg/s  ${mbs.toFixed(2).padStart(6)} MB/s  (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}, n=${trial.count})`,
  );
}
const sequentialRatio = rate("variant, sequential") / rate("raw, sequential");
const windowedRatio = rate(`variant, window ${window}`) / rate(`raw, window ${window}`);
console.log(
  `\nadapter cost: sequential ${((1 - sequentialRatio) * 100).toFixed(1)} % (variant/raw ${sequentialRatio.toFixed(3)}), ` +
    `window ${window}: ${((1 - windowedRatio) * 100).toFixed(1)} % (variant/raw ${windowedRatio.toFixed(3)})`,
);
console.log(
  `synchronous contract (raw acked, window ${window} vs raw one-way): ${(rate(`raw, window ${window}`) / rate("raw one-way, no acks")).toFixed(2)}×`,
);
if (values.json) {
  console.log(
    JSON.stringify({
      rounds,
      results: trials.map((t) => ({ ...t, msgPerSec: rate(t.name), samples: samples.get(t.name) })),
      sequentialRatio,
      windowedRatio,
    }),
  );
}
