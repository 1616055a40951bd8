/**
 * One-way throughput of a POSIX message queue between two processes, Node (this package)
 * against a native C pair doing the same with blocking mq_send/mq_receive, in the same run.
 *
 *   node --import tsx bench/throughput.ts [--messages 200000] [--rounds 5] [--warmup 20000] [--json out.json]
 *
 * For each message size (64 B, 1 KiB) and each pair (C; Node with one awaited send/receive per
 * message; Node with the batch paths sendMany/receiveMany), a fresh queue of depth 10 is made,
 * the consumer process starts and opens it, then the producer process sends a warm-up (20,000
 * by default, untimed) and N messages. The consumer times from its first timed message to its
 * last; CPU per message is over the same window for the consumer and the whole run for the
 * producer. Pairs alternate within each round so
 * that drift of this shared machine hits them alike; the median round is reported.
 */

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MessageQueue, uniqueQueueName } from "../src/index.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "200000" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "20000" },
    json: { type: "string" },
  },
});
const N = Number(values.messages);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const DEPTH = 10;
const SIZES = [64, 1024];

type Pair = "c" | "node-single" | "node-batch";
const PAIRS: Pair[] = ["c", "node-single", "node-batch"];

const work = mkdtempSync(join(tmpdir(), "ipc-atlas-mq-bench-"));
const nativeBin = join(work, "native-mq");
const peer = fileURLToPath(new URL("./mq-peer.ts", import.meta.url));

function command(pair: Pair, role: "consumer" | "producer", name: string, size: number): string[] {
  if (pair === "c")
    return role === "consumer"
      ? [nativeBin, role, name, String(N)]
      : [nativeBin, role, name, String(N), String(size)];
  const style = pair === "node-single" ? "single" : "batch";
  const args =
    role === "consumer" ? [role, name, String(N), style] : [role, name, String(N), String(size), style];
  return [process.execPath, "--import", "tsx", peer, ...args];
}

function start(argv: string[]) {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, exited, output: () => out };
}

interface Run {
  /** One-way messages per second, timed by the consumer from its first message to its last. */
  rate: number;
  /** CPU time per message (user + system) of the consumer and of the producer, in µs. */
  consumerCpuUs: number;
  producerCpuUs: number;
}

const lastJson = (text: string) => JSON.parse(text.trim().split("\n").at(-1)!) as Record<string, number>;

/** One pair, one size, one round. */
async function runOnce(pair: Pair, size: number): Promise<Run> {
  const name = uniqueQueueName("ipc-atlas-bench");
  const queue = MessageQueue.openSync(name, { exclusive: true, maxMessages: DEPTH, messageSize: size });
  queue.close();
  try {
    const consumer = start(command(pair, "consumer", name, size));
    while (!consumer.output().includes("ready")) {
      if (consumer.child.exitCode !== null) throw new Error(`${pair} consumer failed`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const producer = start(command(pair, "producer", name, size));
    const [pc, cc] = await Promise.all([producer.exited, consumer.exited]);
    if (pc !== 0 || cc !== 0) throw new Error(`${pair} exited with ${pc}/${cc}`);
    const result = lastJson(consumer.output());
    if (result.count !== N) throw new Error(`${pair}: ${result.count} of ${N} messages arrived`);
    return {
      rate: ((result.count! - 1) / result.ns!) * 1e9,
      consumerCpuUs: result.cpuNs! / N / 1000,
      producerCpuUs: lastJson(producer.output()).cpuNs! / (N + WARMUP) / 1000,
    };
  } finally {
    MessageQueue.unlinkSync(name);
  }
}

/**
 * The cost of the calls alone, in one process and without any waiting: send then receive on a
 * queue that never fills, C against MessageQueue.trySend/tryReceive, best of 5 rounds each.
 * Scheduling noise of a shared machine barely touches this figure, unlike the two-process one.
 */
function callCost(size: number): { c: number; node: number } {
  const name = uniqueQueueName("ipc-atlas-bench");
  const queue = MessageQueue.openSync(name, { exclusive: true, maxMessages: DEPTH, messageSize: size });
  try {
    const count = 100_000;
    const c = JSON.parse(
      execFileSync(nativeBin, ["loop", name, String(count), String(size)], { encoding: "utf8" }),
    ) as { ns: number };
    const message = Buffer.alloc(size);
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 6; round++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < count; i++) {
        if (!queue.trySend(message) || !queue.tryReceive())
          throw new Error("the loop queue filled or emptied");
      }
      // Round 0 warms the JIT up and does not count.
      if (round > 0) best = Math.min(best, Number(process.hrtime.bigint() - start) / count);
    }
    return { c: c.ns, node: best };
  } finally {
    queue.close();
    MessageQueue.unlinkSync(name);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  writeFileSync(join(work, "native-mq.c"), readFileSync(new URL("./native-mq.c", import.meta.url)));
  execFileSync("cc", ["-O2", "-o", nativeBin, join(work, "native-mq.c"), "-lrt"]);

  console.log(`POSIX message queue one-way throughput, producer and consumer in separate processes`);
  console.log(
    `${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, Linux ${release()}, Node ${process.version}; ` +
      `depth ${DEPTH}, ${WARMUP.toLocaleString("en-US")} warm-up + ${N.toLocaleString("en-US")} timed messages, median of ${ROUNDS} rounds`,
  );
  const results: Record<string, Record<Pair, Run[]>> = {};
  for (const size of SIZES) {
    results[size] = { c: [], "node-single": [], "node-batch": [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of PAIRS) results[size]![pair].push(await runOnce(pair, size));
    }
  }
  // Ratios are taken within a round (C and Node ran back to back), then the median is reported:
  // on a shared machine, load moves both alike within a round more than across rounds.
  const summary: Array<Record<string, number>> = [];
  console.log("");
  console.log("size    pair                        msg/s     Node/C   CPU µs/msg consumer  producer");
  for (const size of SIZES) {
    const r = results[size]!;
    const row: Record<string, number> = { size };
    for (const pair of PAIRS) {
      const runs = r[pair];
      const rate = median(runs.map((x) => x.rate));
      // Ratios within a round (C and Node back to back), then the median.
      const ratio = median(runs.map((x, i) => x.rate / r.c[i]!.rate));
      const consumerCpu = median(runs.map((x) => x.consumerCpuUs));
      const producerCpu = median(runs.map((x) => x.producerCpuUs));
      Object.assign(row, {
        [`${pair}Rate`]: rate,
        [`${pair}Ratio`]: ratio,
        [`${pair}ConsumerCpuUs`]: consumerCpu,
        [`${pair}ProducerCpuUs`]: producerCpu,
      });
      const label = {
        c: "C mq_send/mq_receive",
        "node-single": "Node send/receive",
        "node-batch": "Node sendMany/receiveMany",
      }[pair];
      console.log(
        `${`${size} B`.padEnd(7)} ${label.padEnd(26)} ${Math.round(rate).toLocaleString("en-US").padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(8)}   ${consumerCpu.toFixed(2).padStart(8)}  ${producerCpu.toFixed(2).padStart(8)}`,
      );
    }
    summary.push(row);
  }
  console.log("");
  console.log("size    one send + one receive, same process, no waiting (best of 5)");
  for (const size of SIZES) {
    const cost = callCost(size);
    summary.find((row) => row.size === size)!.callCostC = cost.c;
    summary.find((row) => row.size === size)!.callCostNode = cost.node;
    console.log(
      `${`${size} B`.padEnd(7)} C ${Math.round(cost.c)} ns   Node trySend+tryReceive ${Math.round(cost.node)} ns   (C/Node ${(cost.c / cost.node).toFixed(2)}×)`,
    );
  }
  const at64 = summary[0]!;
  console.log("");
  console.log(
    `message-queues at 64 B: Node ${at64["node-singleRatio"]!.toFixed(2)}× native C with one send/receive per message, ` +
      `${at64["node-batchRatio"]!.toFixed(2)}× with sendMany/receiveMany (target ≥ 0.80×)`,
  );
  if (values.json)
    writeFileSync(values.json, JSON.stringify({ messages: N, depth: DEPTH, summary, results }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
