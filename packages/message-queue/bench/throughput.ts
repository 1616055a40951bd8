/**
 * One-way throughput of a POSIX message queue between two processes, Node (this package)
 * against a native C pair doing the same work with blocking mq_send/mq_receive, in the same run.
 *
 *   node --import tsx bench/throughput.ts [--messages 100000] [--rounds 5] [--warmup 20000]
 *        [--pairs c,c-epoll-wait,node,node-window,node-batch] [--sizes 64,1024] [--pin] [--perf] [--json out.json]
 *
 * --pin runs every consumer on CPU 0 and every producer on CPU 1 (taskset), C and Node alike:
 * the scheduler can then never put both on one CPU, where they take turns instead of running
 * side by side — the best case for both, and far steadier on a shared machine.
 * --perf wraps every process in `perf stat` and adds syscalls per message (all, failed
 * mq_timedsend/mq_timedreceive, epoll_wait + epoll_pwait, epoll_ctl); counts are over the whole process,
 * start-up included (a few thousand syscalls for Node, well under 0.05 per message).
 *
 * Pairs: "c" — bench/native-mq.c, blocking mq_send / mq_receive; "c-epoll-wait" — the same
 * program with this package's design (O_NONBLOCK, syscall first, on EAGAIN the queue registered
 * with epoll for the wait only), which separates the design's cost from Node's; "c-epoll" — the
 * same with the queue registered all the time (the design this package had before, an armed
 * poll handle); "node" — `await queue.send(m)`
 * per message against `for await (const m of queue)`, the plain at-most-once API; "node-window"
 * — the same consumer, a producer with up to 16 sends in flight; "node-batch" — sendMany() /
 * receiveMany(10), the opt-in batch paths. Every producer writes a sequence number into each
 * message and every consumer checks it (bench/mq-peer.ts, bench/native-mq.c).
 *
 * For each message size (64 B, 1 KiB), round and pair, a fresh queue of depth 10 is made, the
 * consumer process starts and opens it, then the producer process sends a warm-up (untimed)
 * and N messages. The consumer times from its first timed message to its last; CPU time and
 * context switches per message are over that window for the consumer and over the whole run
 * for the producer. Pairs alternate within each round so that drift of this shared machine
 * hits them alike; the Node/C ratio is taken within each round, and medians are reported.
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
    messages: { type: "string", default: "100000" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "20000" },
    pairs: { type: "string", default: "c,c-epoll-wait,node,node-window,node-batch" },
    sizes: { type: "string", default: "64,1024" },
    pin: { type: "boolean", default: false },
    perf: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const N = Number(values.messages);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const DEPTH = 10;
const SIZES = values.sizes.split(",").map(Number);

const STYLES = {
  c: { consumer: "c", producer: "c", label: "C mq_send/mq_receive" },
  "c-epoll": { consumer: "c", producer: "c", label: "C epoll, always registered" },
  "c-epoll-wait": { consumer: "c", producer: "c", label: "C, this package's design" },
  node: { consumer: "iterate", producer: "await", label: "Node send/for await" },
  "node-window": { consumer: "iterate", producer: "window", label: "Node 16 sends in flight" },
  "node-batch": { consumer: "batch", producer: "batch", label: "Node sendMany/receiveMany" },
} as const;
type Pair = keyof typeof STYLES;
const PAIRS = values.pairs.split(",") as Pair[];
for (const pair of PAIRS) if (!(pair in STYLES)) throw new Error(`unknown pair ${pair}`);
if (PAIRS[0] !== "c") throw new Error("the first pair must be c: ratios are to it");

const work = mkdtempSync(join(tmpdir(), "ipc-atlas-mq-bench-"));
const nativeBin = join(work, "native-mq");
const peer = fileURLToPath(new URL("./mq-peer.ts", import.meta.url));

const PERF_EVENTS = [
  ["raw_syscalls:sys_enter", ""],
  ["syscalls:sys_exit_mq_timedsend", "ret < 0"],
  ["syscalls:sys_exit_mq_timedreceive", "ret < 0"],
  ["syscalls:sys_enter_epoll_pwait", ""],
  ["syscalls:sys_enter_epoll_ctl", ""],
  ["syscalls:sys_enter_epoll_wait", ""],
] as const;
// epoll_wait (glibc's, used by native-mq.c) and epoll_pwait (libuv's) are counted together.
const PERF_KEYS = [
  "syscalls",
  "failedSends",
  "failedReceives",
  "epollWaits",
  "epollCtls",
  "epollWaits",
] as const;
type PerfCounts = Record<(typeof PERF_KEYS)[number], number>;

function command(pair: Pair, role: "consumer" | "producer", name: string, size: number): string[] {
  const style = STYLES[pair][role];
  // The producer sends the warm-up too; the consumer skips it before starting its clock.
  const args =
    role === "consumer" ? [name, String(N), String(WARMUP)] : [name, String(N + WARMUP), String(size)];
  let argv =
    style === "c"
      ? [nativeBin, role, ...args]
      : [process.execPath, "--import", "tsx", peer, role, ...args, style];
  if (values.perf) {
    const events = PERF_EVENTS.flatMap(([event, filter]) =>
      filter ? ["-e", event, "--filter", filter] : ["-e", event],
    );
    argv = ["perf", "stat", "-x", ",", "-o", join(work, `perf-${role}.csv`), ...events, "--", ...argv];
  }
  if (values.pin) argv = ["taskset", "-c", role === "consumer" ? "0" : "1", ...argv];
  return argv;
}

function perfCounts(role: "consumer" | "producer"): PerfCounts {
  const lines = readFileSync(join(work, `perf-${role}.csv`), "utf8").split("\n");
  const counts = {} as PerfCounts;
  PERF_EVENTS.forEach(([event], i) => {
    const line = lines.find((l) => l.split(",")[2] === event);
    const key = PERF_KEYS[i]!;
    counts[key] = (counts[key] ?? 0) + Number(line?.split(",")[0] ?? Number.NaN) / (N + WARMUP);
  });
  return counts;
}

function start(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "inherit"], env });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, exited, output: () => out };
}

interface Run {
  /** One-way messages per second, timed by the consumer from its first timed message to its last. */
  rate: number;
  /** CPU time per message (user + system) of the consumer and of the producer, in µs. */
  consumerCpuUs: number;
  producerCpuUs: number;
  /** Context switches per message (voluntary + involuntary) of the consumer and of the producer. */
  consumerCsw: number;
  producerCsw: number;
  /** With --perf: syscalls per message (warm-up included) of each side. */
  consumerPerf?: PerfCounts;
  producerPerf?: PerfCounts;
}

const lastJson = (text: string) => JSON.parse(text.trim().split("\n").at(-1)!) as Record<string, number>;

/** One pair, one size, one round. */
async function runOnce(pair: Pair, size: number): Promise<Run> {
  const name = uniqueQueueName("ipc-atlas-bench");
  const queue = MessageQueue.openSync(name, { exclusive: true, maxMessages: DEPTH, messageSize: size });
  queue.close();
  const children: ReturnType<typeof start>[] = [];
  try {
    // c-epoll-wait: native-mq.c with this package's design (O_NONBLOCK, try first, epoll while
    // waiting); c-epoll: the same with the queue registered all the time.
    const env =
      pair === "c-epoll"
        ? { ...process.env, MQ_EPOLL: "1" }
        : pair === "c-epoll-wait"
          ? { ...process.env, MQ_EPOLL: "2" }
          : process.env;
    const consumer = start(command(pair, "consumer", name, size), env);
    children.push(consumer);
    while (!consumer.output().includes("ready")) {
      if (consumer.child.exitCode !== null) throw new Error(`${pair} consumer failed`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const producer = start(command(pair, "producer", name, size), env);
    children.push(producer);
    // If either side fails, the other would wait forever: stop both.
    const failed = Promise.race([producer.exited, consumer.exited]).then(async (code) => {
      if (code !== 0) return code;
      return new Promise<number>((resolve) => setTimeout(() => resolve(0), 60_000).unref());
    });
    const [pc, cc] = await Promise.race([
      Promise.all([producer.exited, consumer.exited]),
      failed.then((code) => {
        if (code !== 0) throw new Error(`${pair}: a process exited with ${code}`);
        throw new Error(`${pair}: no end within 60 s of the first exit`);
      }),
    ]);
    if (pc !== 0 || cc !== 0) throw new Error(`${pair} exited with ${pc}/${cc}`);
    const result = lastJson(consumer.output());
    const sent = lastJson(producer.output());
    if (result.count !== N) throw new Error(`${pair}: ${result.count} of ${N} messages arrived`);
    return {
      rate: ((result.count! - 1) / result.ns!) * 1e9,
      consumerCpuUs: result.cpuNs! / N / 1000,
      producerCpuUs: sent.cpuNs! / (N + WARMUP) / 1000,
      consumerCsw: result.csw! / N,
      producerCsw: sent.csw! / (N + WARMUP),
      ...(values.perf ? { consumerPerf: perfCounts("consumer"), producerPerf: perfCounts("producer") } : {}),
    };
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
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
      `depth ${DEPTH}, ${WARMUP.toLocaleString("en-US")} warm-up + ${N.toLocaleString("en-US")} timed messages, median of ${ROUNDS} rounds` +
      (values.pin ? "; consumers pinned to CPU 0, producers to CPU 1" : "; not pinned"),
  );
  const results: Record<string, Partial<Record<Pair, Run[]>>> = {};
  for (const size of SIZES) results[size] = Object.fromEntries(PAIRS.map((pair) => [pair, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const size of SIZES) {
      for (const pair of PAIRS) results[size]![pair]!.push(await runOnce(pair, size));
    }
    process.stderr.write(`round ${round + 1} of ${ROUNDS} done\n`);
  }
  // Ratios are taken within a round (C and Node ran back to back), then the median is reported:
  // on a shared machine, load moves both alike within a round more than across rounds.
  const summary: Array<Record<string, number>> = [];
  console.log("");
  console.log(
    "size    pair                          msg/s   Node/C (range)        CPU µs/msg cons  prod   switches/msg cons  prod",
  );
  for (const size of SIZES) {
    const r = results[size]!;
    const row: Record<string, number> = { size };
    for (const pair of PAIRS) {
      const runs = r[pair]!;
      const rate = median(runs.map((x) => x.rate));
      const ratios = runs.map((x, i) => x.rate / r.c![i]!.rate);
      const ratio = median(ratios);
      const consumerCpu = median(runs.map((x) => x.consumerCpuUs));
      const producerCpu = median(runs.map((x) => x.producerCpuUs));
      const consumerCsw = median(runs.map((x) => x.consumerCsw));
      const producerCsw = median(runs.map((x) => x.producerCsw));
      Object.assign(row, {
        [`${pair}Rate`]: rate,
        [`${pair}Ratio`]: ratio,
        [`${pair}ConsumerCpuUs`]: consumerCpu,
        [`${pair}ProducerCpuUs`]: producerCpu,
        [`${pair}ConsumerCsw`]: consumerCsw,
        [`${pair}ProducerCsw`]: producerCsw,
      });
      const range = `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
      console.log(
        `${`${size} B`.padEnd(7)} ${STYLES[pair].label.padEnd(26)} ${Math.round(rate).toLocaleString("en-US").padStart(9)} ` +
          `${`${ratio.toFixed(2)}×`.padStart(6)} ${range.padEnd(13)}   ${consumerCpu.toFixed(2).padStart(12)} ${producerCpu.toFixed(2).padStart(5)}   ` +
          `${consumerCsw.toFixed(3).padStart(16)} ${producerCsw.toFixed(3).padStart(5)}`,
      );
    }
    summary.push(row);
  }
  if (values.perf) {
    console.log("");
    console.log(
      "syscalls per message (perf stat, medians): all, failed send (EAGAIN), failed receive, epoll_wait + epoll_pwait, epoll_ctl",
    );
    for (const size of SIZES) {
      for (const pair of PAIRS) {
        const runs = results[size]![pair]!;
        for (const role of ["consumer", "producer"] as const) {
          const cells = PERF_KEYS.slice(0, 5).map((key) =>
            median(runs.map((x) => x[role === "consumer" ? "consumerPerf" : "producerPerf"]![key]))
              .toFixed(3)
              .padStart(7),
          );
          console.log(
            `${`${size} B`.padEnd(7)} ${STYLES[pair].label.padEnd(26)} ${role.padEnd(9)} ${cells.join(" ")}`,
          );
        }
      }
    }
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
  const at64 = summary.find((row) => row.size === 64);
  if (at64 && PAIRS.includes("node")) {
    console.log("");
    console.log(
      `message-queues at 64 B: Node ${at64.nodeRatio!.toFixed(2)}× native C with send() and for await, one message at a time (target ≥ 0.80×)`,
    );
  }
  if (values.json)
    writeFileSync(values.json, JSON.stringify({ messages: N, depth: DEPTH, summary, results }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
