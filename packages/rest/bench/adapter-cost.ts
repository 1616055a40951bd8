/**
 * What the Producer/Consumer layer costs over plain express: one-way throughput of 64-byte
 * messages from this process to a server process, through the rest variant and through the
 * same POSTs made directly, in one run. Each message waits for its 204 before the next is
 * sent (the variant is synchronous; the raw client does the same).
 *
 *   node --import tsx packages/rest/bench/adapter-cost.ts [--messages 20000] [--batch 500]
 *
 * Sides:
 *   variant             rest.producer → rest.consumer (MessageServer: the handler answers once
 *                       the consumer's iterator took the message)
 *   raw express+undici  the same undici Client.request POSTs → express.raw handler → 204
 *   raw express+fetch   global fetch → the same express handler (reference only: fetch's cost)
 *
 * Both main sides run at once, each with its own server process, and take turns in batches of
 * `--batch` messages (order alternating), so that the load of a shared machine falls on both
 * alike. Wall time and CPU time (this process during the side's batches + the side's server
 * process) are summed per side. The ratio of each variant batch to the raw batch beside it is
 * reported too: its median is the figure least moved by the machine's other work.
 */

import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { type ChildHandle, sendListener, spawnScript } from "@ipc-atlas/core";
import { Client } from "undici";
import { type RestAddress, rest } from "../src/index.ts";

const { values } = parseArgs({
  options: { messages: { type: "string", default: "20000" }, batch: { type: "string", default: "500" } },
});
const messages = Number(values.messages);
const batch = Number(values.batch);
const warmup = 2000;
const SIZE = 64;
const serverScript = new URL("./server.ts", import.meta.url);
const headers = { "content-type": "application/octet-stream" };

interface Side {
  name: string;
  child: ChildHandle;
  received: Promise<number>;
  send(message: Uint8Array): Promise<void>;
  finish(): Promise<void>;
  seq: number;
  wallNs: bigint;
  clientCpuUs: number;
  serverCpuUs: number;
  batchRates: number[];
}

function message(seq: number): Uint8Array {
  const bytes = Buffer.alloc(SIZE);
  bytes.writeUInt32BE(seq, 0);
  return bytes;
}

async function startServer(args: string[], address?: RestAddress) {
  const child = spawnScript(serverScript, { args });
  // The variant's endpoint holds its listening socket: it goes to the server process.
  if (address) sendListener(child.process, address);
  const received = new Promise<number>((resolve) =>
    child.process.on(
      "message",
      (m: { received?: number }) => m.received !== undefined && resolve(m.received),
    ),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.process.on("message", (m: { ready?: string }) => m.ready && resolve(m.ready));
    void child.exited.then((code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url, received };
}

function serverCpuUs(child: ChildHandle): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { cpuUsage?: NodeJS.CpuUsage }) => {
      if (!m.cpuUsage) return;
      child.process.off("message", onMessage);
      resolve(m.cpuUsage.user + m.cpuUsage.system);
    };
    child.process.on("message", onMessage);
    child.process.send({ cpu: true });
  });
}

const blank = { seq: 0, wallNs: 0n, clientCpuUs: 0, serverCpuUs: 0, batchRates: [] as number[] };

async function variantSide(): Promise<Side> {
  const endpoint = await rest.open();
  const server = await startServer(["variant", JSON.stringify(endpoint.address)], endpoint.address);
  const producer = await rest.producer(endpoint.address);
  return {
    name: "variant",
    ...server,
    ...structuredClone(blank),
    send: (m) => producer.send(m),
    finish: () => producer.close(),
  };
}

async function rawSide(client: "undici" | "fetch"): Promise<Side> {
  const server = await startServer(["raw"]);
  let post: (path: string, body?: Uint8Array) => Promise<void>;
  let close = async () => {};
  if (client === "undici") {
    // The client the variant uses, with the variant's options.
    const undici = new Client(server.url, { pipelining: 1, headersTimeout: 0 });
    close = () => undici.close();
    post = async (path, body) => {
      const reply = await undici.request({ method: "POST", path, ...(body ? { body, headers } : {}) });
      await reply.body.dump();
      if (reply.statusCode !== 204) throw new Error(`${path} answered ${reply.statusCode}`);
    };
  } else {
    post = async (path, body) => {
      const reply = await fetch(`${server.url}${path}`, {
        method: "POST",
        ...(body ? { body, headers } : {}),
      });
      await reply.arrayBuffer();
      if (reply.status !== 204) throw new Error(`${path} answered ${reply.status}`);
    };
  }
  return {
    name: `raw express+${client}`,
    ...server,
    ...structuredClone(blank),
    send: (m) => post("/messages", m),
    finish: async () => {
      await post("/close");
      await close();
    },
  };
}

async function runBatch(side: Side, count: number): Promise<void> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await side.send(message(side.seq++));
  const ns = process.hrtime.bigint() - started;
  const used = process.cpuUsage(cpu);
  side.wallNs += ns;
  side.clientCpuUs += used.user + used.system;
  side.batchRates.push(count / (Number(ns) / 1e9));
}

/** Warm-up, then `total` measured messages in turns of `batch` across the sides; then close and verify. */
async function measure(sides: Side[], total: number): Promise<void> {
  for (const side of sides) for (let i = 0; i < warmup; i++) await side.send(message(side.seq++));
  const cpuBefore = await Promise.all(sides.map((s) => serverCpuUs(s.child)));
  for (let done = 0, turn = 0; done < total; done += batch, turn++) {
    const order = turn % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) await runBatch(side, Math.min(batch, total - done));
  }
  const cpuAfter = await Promise.all(sides.map((s) => serverCpuUs(s.child)));
  sides.forEach((side, i) => {
    side.serverCpuUs = cpuAfter[i]! - cpuBefore[i]!;
  });
  for (const side of sides) {
    await side.finish();
    const received = await side.received;
    if (received !== warmup + total)
      throw new Error(`${side.name}: ${warmup + total} sent, ${received} received`);
  }
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

console.log(
  `rest adapter cost: ${SIZE} B messages, one send in flight, ${messages} measured per side in turns of ${batch} ` +
    `(after ${warmup} warm-up); Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`,
);
const sides: Side[] = [];
try {
  const main = [await rawSide("undici"), await variantSide()];
  sides.push(...main);
  await measure(main, messages);
  // fetch is several times slower: a fifth of the messages is enough for a reference figure.
  const reference = await rawSide("fetch");
  sides.push(reference);
  await measure([reference], Math.max(batch, Math.floor(messages / 5)));

  const measured = (side: Side) => side.seq - warmup;
  const rate = (side: Side) => measured(side) / (Number(side.wallNs) / 1e9);
  const cpuPerMessage = (side: Side) => (side.clientCpuUs + side.serverCpuUs) / measured(side);
  console.table(
    sides.map((side) => ({
      side: side.name,
      messages: measured(side),
      "msg/s": Math.round(rate(side)),
      "batch p10..p90 msg/s": `${percentile(side.batchRates, 0.1).toFixed(0)}..${percentile(side.batchRates, 0.9).toFixed(0)}`,
      "MB/s": Number(((rate(side) * SIZE) / 1e6).toFixed(3)),
      "CPU µs/msg (client+server)": Number(cpuPerMessage(side).toFixed(1)),
    })),
  );
  const [raw, variant, viaFetch] = sides as [Side, Side, Side];
  const ratio = rate(variant) / rate(raw);
  // Each turn ran a variant batch right next to a raw batch: their ratio sees the same load.
  const paired = variant.batchRates.map((r, i) => r / raw.batchRates[i]!);
  const cpuRatio = cpuPerMessage(variant) / cpuPerMessage(raw);
  console.log(
    `adapter cost: variant ${rate(variant).toFixed(0)} msg/s vs raw express+undici ${rate(raw).toFixed(0)} msg/s = ` +
      `${ratio.toFixed(3)}× throughput (${((1 - ratio) * 100).toFixed(1)} % cost; target < 10 %), ` +
      `${cpuRatio.toFixed(3)}× CPU per message; median of ${paired.length} paired batches ` +
      `${percentile(paired, 0.5).toFixed(3)}× (p25..p75 ${percentile(paired, 0.25).toFixed(3)}..${percentile(paired, 0.75).toFixed(3)}); ` +
      `raw express+fetch ${rate(viaFetch).toFixed(0)} msg/s = ` +
      `${(rate(viaFetch) / rate(raw)).toFixed(2)}× raw express+undici`,
  );
  console.log(
    JSON.stringify({
      bench: "rest adapter-cost",
      size: SIZE,
      sides: sides.map((s) => ({
        side: s.name,
        messages: measured(s),
        msgPerSec: rate(s),
        cpuUsPerMsg: cpuPerMessage(s),
      })),
      throughputRatio: ratio,
      pairedBatchRatioMedian: percentile(paired, 0.5),
      cpuRatio,
    }),
  );
} finally {
  for (const side of sides) side.child.kill("SIGKILL");
  await Promise.all(sides.map((s) => s.child.exited));
}
