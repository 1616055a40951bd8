/**
 * What the Producer/Consumer layer costs over raw node:net, between two processes, in one run.
 *
 *   node --import tsx packages/tcp/bench/adapter-cost.ts [--messages 1000000] [--rounds 5]
 *        [--kinds raw-batch,adapter] [--cpu-prof DIR]
 *
 * One consumer process and one producer process run every trial (so all kinds share the
 * same warm processes), kinds interleaved round by round, median reported. Throughput: 64 B
 * messages one way, as fast as the producer can send with backpressure, timed on the consumer
 * after a warm-up tenth. Latency: pairs of messages every 2 ms, one-way, from send to receipt.
 *
 * What is compared: the application's loop over the tcp variant (`await producer.send(m)` per
 * message; `for await (const m of consumer)`) against the same application on raw node:net
 * doing by hand what it needs for the same guarantees (see bench-peer.ts): the same bytes on
 * the wire (core's frame around a DATA/END tag byte), core's FrameDecoder with the same limit, a
 * tag check, each message handed to the application's function as it is decoded, waiting for
 * 'drain'. The raw kinds differ only in how they write: one write() per message with Nagle on;
 * the same with setNoDelay(true); cork/uncork per event-loop turn; frames encoded into one
 * buffer written every 8 KiB (raw-batch: exactly what the variant does, the fair baseline).
 * CPU per message (user + system, each side, over the timed part) is printed too: on a busy
 * machine it is a steadier measure of cost than wall-clock throughput.
 */

import { parseArgs } from "node:util";
import { type ChildHandle, spawnScript } from "@ipc-atlas/core";
import type { Kind, Trial, TrialResult } from "./bench-peer.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "5" },
    kinds: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const total = Number(values.messages);
const rounds = Number(values.rounds);
const allKinds: Kind[] = ["raw-write-nagle", "raw-write-nodelay", "raw-cork", "raw-batch", "adapter"];
const kinds = values.kinds ? (values.kinds.split(",") as Kind[]) : allKinds;
const labels: Record<Kind, string> = {
  "raw-write-nagle": "raw net, write() per message, Nagle on",
  "raw-write-nodelay": "raw net, write() per message, setNoDelay",
  "raw-cork": "raw net, cork per turn + setNoDelay",
  "raw-batch": "raw net, 8 KiB batches + setNoDelay",
  adapter: "tcp variant, same batches (Producer/Consumer)",
};

const peer = new URL("./bench-peer.ts", import.meta.url);

function start(role: string): Promise<ChildHandle> {
  const cpuProf = values["cpu-prof"];
  const env = cpuProf ? { ...process.env, BENCH_CPU_PROF: cpuProf } : process.env;
  const child = spawnScript(peer, { args: [role], env });
  return new Promise((resolve, reject) => {
    child.process.once("message", () => resolve(child));
    void child.exited.then((code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

function next(child: ChildHandle, key: "ready" | "result" | "producerCpu"): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // A child that dies mid-trial must not leave the run waiting forever.
    void child.exited.then((code) => reject(new Error(`a bench process exited with ${code}`)));
    const onMessage = (m: Record<string, unknown>) => {
      if (m.error) reject(new Error(String(m.error)));
      else if (key in m) resolve(m[key]);
      else return;
      child.process.off("message", onMessage);
    };
    child.process.on("message", onMessage);
  });
}

async function trial(
  consumer: ChildHandle,
  producer: ChildHandle,
  kind: Kind,
  mode: Trial["mode"],
  n: number,
) {
  // The consumer listens on a free port (port 0) and says which: nothing is released and re-bound.
  const t: Trial = { kind, port: 0, total: n, warm: Math.floor(n / 10), mode };
  const ready = next(consumer, "ready");
  consumer.process.send(t);
  const port = (await ready) as number;
  const result = next(consumer, "result");
  const producerCpu = next(producer, "producerCpu");
  producer.process.send({ ...t, port });
  return { ...((await result) as TrialResult), producerCpu: (await producerCpu) as number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const [consumer, producer] = await Promise.all([start("consumer"), start("producer")]);
try {
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}; ${total} messages of 64 B per trial, ${rounds} rounds`,
  );
  const rates = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  const cpus = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  const producerCpus = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) {
      const result = (await trial(consumer, producer, kind, "throughput", total)) as {
        rate: number;
        consumerCpu: number;
        producerCpu: number;
      };
      rates.get(kind)!.push(result.rate);
      cpus.get(kind)!.push(result.consumerCpu);
      producerCpus.get(kind)!.push(result.producerCpu);
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  console.log("\nthroughput, one way, producer and consumer in separate processes (median; min–max)");
  for (const kind of kinds) {
    const r = rates.get(kind)!;
    console.log(
      `  ${labels[kind].padEnd(44)} ${(median(r) / 1e6).toFixed(3)} M msg/s  (${(Math.min(...r) / 1e6).toFixed(2)}–${(Math.max(...r) / 1e6).toFixed(2)})  CPU/msg: producer ${median(producerCpus.get(kind)!).toFixed(2)} µs, consumer ${median(cpus.get(kind)!).toFixed(2)} µs`,
    );
  }
  if (rates.has("raw-batch") && rates.has("adapter")) {
    const raw = median(rates.get("raw-batch")!);
    const adapter = median(rates.get("adapter")!);
    console.log(
      `\nthroughput, tcp variant / raw net with the same writes: ${(adapter / raw).toFixed(3)} — the layer costs ${(100 * (1 - adapter / raw)).toFixed(1)} % of the throughput`,
    );
    // Per-round ratios show the spread of that figure on a shared machine.
    const ratios = rates.get("adapter")!.map((a, i) => a / rates.get("raw-batch")![i]!);
    console.log(`  per round: ${ratios.map((r) => r.toFixed(2)).join(" ")}`);
    const side = (m: Map<Kind, number[]>, kind: Kind) => median(m.get(kind)!);
    const extra = (a: number, r: number) => `${(a - r).toFixed(2)} µs (${(100 * (a / r - 1)).toFixed(0)} %)`;
    const [pa, pr] = [side(producerCpus, "adapter"), side(producerCpus, "raw-batch")];
    const [ca, cr] = [side(cpus, "adapter"), side(cpus, "raw-batch")];
    console.log(
      `CPU per message, tcp variant vs raw: producer ${pa.toFixed(2)} vs ${pr.toFixed(2)} µs, +${extra(pa, pr)}; consumer ${ca.toFixed(2)} vs ${cr.toFixed(2)} µs, +${extra(ca, cr)}; both sides ${(pa + ca).toFixed(2)} vs ${(pr + cr).toFixed(2)} µs, +${extra(pa + ca, pr + cr)}`,
    );
  }

  console.log("\nlatency, one way, 2,000 messages sent in pairs every 2 ms (p50 / p99)");
  for (const kind of ["raw-write-nagle", "raw-write-nodelay", "adapter"] as const) {
    const { latenciesNs } = (await trial(consumer, producer, kind, "latency", 2000)) as {
      latenciesNs: number[];
    };
    const sorted = latenciesNs.sort((a, b) => a - b);
    console.log(
      `  ${labels[kind].padEnd(44)} ${(percentile(sorted, 50) / 1e3).toFixed(0).padStart(6)} µs / ${(percentile(sorted, 99) / 1e3).toFixed(0).padStart(6)} µs`,
    );
  }
} finally {
  // Disconnecting lets the children exit on their own (and write a --cpu-prof profile if asked).
  consumer.process.disconnect();
  producer.process.disconnect();
  await Promise.all([consumer.exited, producer.exited]);
}
