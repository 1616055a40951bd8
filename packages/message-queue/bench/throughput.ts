/**
 * One-way throughput of a POSIX message queue between two processes, Node (this package)
 * against a native C pair doing the same with blocking mq_send/mq_receive, in the same run.
 *
 *   node --import tsx bench/throughput.ts [--messages 200000] [--rounds 5] [--json out.json]
 *
 * For each message size (64 B, 1 KiB) and each pair (C; Node with one awaited send/receive per
 * message; Node with the batch paths sendMany/receiveMany), a fresh queue of depth 10 is made,
 * the consumer process starts and opens it, then the producer process sends N messages. The
 * consumer times from its first message to its last. Pairs alternate within each round so
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
    json: { type: "string" },
  },
});
const N = Number(values.messages);
const ROUNDS = Number(values.rounds);
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

/** Messages per second for one pair, one size, one round. */
async function runOnce(pair: Pair, size: number): Promise<number> {
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
    const result = JSON.parse(consumer.output().trim().split("\n").at(-1)!) as { count: number; ns: number };
    if (result.count !== N) throw new Error(`${pair}: ${result.count} of ${N} messages arrived`);
    return ((result.count - 1) / result.ns) * 1e9;
  } finally {
    MessageQueue.unlinkSync(name);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => `${Math.round(x).toLocaleString("en-US")} msg/s`;

try {
  writeFileSync(join(work, "native-mq.c"), readFileSync(new URL("./native-mq.c", import.meta.url)));
  execFileSync("cc", ["-O2", "-o", nativeBin, join(work, "native-mq.c"), "-lrt"]);

  console.log(`POSIX message queue one-way throughput, producer and consumer in separate processes`);
  console.log(
    `${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, Linux ${release()}, Node ${process.version}; ` +
      `depth ${DEPTH}, ${N.toLocaleString("en-US")} messages, median of ${ROUNDS} rounds`,
  );
  const results: Record<string, Record<Pair, number[]>> = {};
  for (const size of SIZES) {
    results[size] = { c: [], "node-single": [], "node-batch": [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of PAIRS) results[size]![pair].push(await runOnce(pair, size));
    }
  }
  // Ratios are taken within a round (C and Node ran back to back), then the median is reported:
  // on a shared machine, load moves both alike within a round more than across rounds.
  const summary: Array<{
    size: number;
    c: number;
    nodeSingle: number;
    nodeBatch: number;
    ratioSingle: number;
    ratioBatch: number;
  }> = [];
  console.log("");
  console.log(
    "size    C mq_send/mq_receive   Node send/receive      ratio   Node sendMany/receiveMany   ratio",
  );
  for (const size of SIZES) {
    const r = results[size]!;
    const ratios = (pair: Pair) => r[pair].map((x, i) => x / r.c[i]!);
    const row = {
      size,
      c: median(r.c),
      nodeSingle: median(r["node-single"]),
      nodeBatch: median(r["node-batch"]),
      ratioSingle: median(ratios("node-single")),
      ratioBatch: median(ratios("node-batch")),
    };
    summary.push(row);
    console.log(
      `${`${size} B`.padEnd(7)} ${fmt(row.c).padEnd(22)} ${fmt(row.nodeSingle).padEnd(22)} ${row.ratioSingle.toFixed(2).padStart(5)}×  ${fmt(row.nodeBatch).padEnd(27)} ${row.ratioBatch.toFixed(2).padStart(5)}×`,
    );
  }
  const at64 = summary[0]!;
  console.log("");
  console.log(
    `message-queues at 64 B: Node ${at64.ratioSingle.toFixed(2)}× native C with one send/receive per message, ` +
      `${at64.ratioBatch.toFixed(2)}× with sendMany/receiveMany (target ≥ 0.80×)`,
  );
  console.log(`per-round msg/s: ${JSON.stringify(results)}`);
  if (values.json)
    writeFileSync(values.json, JSON.stringify({ messages: N, depth: DEPTH, summary, results }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
