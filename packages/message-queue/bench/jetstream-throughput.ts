/**
 * JetStream queue throughput: 64-byte messages from a producer process to a consumer process
 * through a work-queue stream (file storage, the queue's default limits), on one nats-server
 * and on a three-node JetStream cluster with three replicas (both started here; or NATS_URL).
 *
 * Each row pairs the variant with defaults (JetStreamQueue.producer / .consumer, the caller
 * keeping `pending` sends outstanding as the harness does) with raw @nats-io/jetstream doing
 * the same end to end in the same run: `js.publish` with a Nats-Msg-Id and `pending` publishes
 * in flight, and a pull consumer (`consume`, 64 pulled ahead, like the variant) acking each
 * message. Raw keeps no call order: a publish refused by a full stream is simply retried. Both
 * consumers check that nothing was lost, duplicated or reordered; every message carries its
 * send time, so they also record one-way latency.
 *
 *   node --import tsx packages/message-queue/bench/jetstream-throughput.ts [messages] [size] [rounds] [pending,...]
 *
 * (pending 1 awaits each send: one PubAck round trip per message, what `window: 1` costs.)
 */

import { execFileSync } from "node:child_process";
import { cpus, loadavg, release } from "node:os";
import { spawnScript } from "@ipc-atlas/core";
import { natsUrlsFromEnv, startJetStreamCluster, startNatsServer } from "@ipc-atlas/nats";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type JetStreamAddress, JetStreamQueue } from "../src/jetstream/index.ts";

const WARMUP = 2000;
const HEADER = 12; // u32 sequence + u64 send time (process.hrtime.bigint, one clock per host)

interface ConsumerResult {
  received: number;
  outOfOrder: number;
  duplicates: number;
  seconds: number;
  latencyUs: { p50: number; p99: number; p999: number };
}
interface ProducerResult {
  seconds: number;
  retries: number;
}
type Kind = "variant" | "raw";

const [role, ...rest] = process.argv.slice(2);
if (role === "producer")
  await producerMain(
    rest[0] as Kind,
    JSON.parse(rest[1]!),
    Number(rest[2]),
    Number(rest[3]),
    Number(rest[4]),
  );
else if (role === "consumer") await consumerMain(rest[0] as Kind, JSON.parse(rest[1]!), Number(rest[2]));
else
  await main(
    Number(role ?? 20_000),
    Number(rest[0] ?? 64),
    Number(rest[1] ?? 3),
    (rest[2] ?? "32,256").split(",").map(Number),
  );

function message(seq: number, size: number): Buffer {
  const m = Buffer.alloc(Math.max(size, HEADER));
  m.writeUInt32BE(seq, 0);
  m.writeBigUInt64BE(process.hrtime.bigint(), 4);
  return m;
}

/** A sender for either kind: resolves when the server stored the message. */
async function sender(kind: Kind, address: JetStreamAddress) {
  if (kind === "variant") {
    const producer = await JetStreamQueue.producer(address);
    return { send: (m: Uint8Array) => producer.send(m), close: () => producer.close(), retries: () => 0 };
  }
  const nc = await connect({
    servers: address.servers,
    noAsyncTraces: true,
    ...(address.token ? { token: address.token } : {}),
  });
  const js = jetstream(nc);
  let retries = 0;
  let id = 0;
  const send = async (m: Uint8Array): Promise<void> => {
    const msgID = `raw-${++id}`;
    for (;;) {
      try {
        await js.publish(address.subject, m, { msgID });
        return;
      } catch {
        retries++; // a full stream (or a slow ack): try again, order be as it may
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  return { send, close: () => nc.close(), retries: () => retries };
}

async function producerMain(
  kind: Kind,
  address: JetStreamAddress,
  count: number,
  size: number,
  pending: number,
): Promise<void> {
  const producer = await sender(kind, address);
  // At most `pending` sends outstanding, in a ring as the harness keeps them.
  const ring: (Promise<void> | undefined)[] = new Array(pending).fill(undefined);
  let started = 0n;
  for (let seq = 0; seq < WARMUP + count; seq++) {
    if (seq === WARMUP) started = process.hrtime.bigint();
    const slot = seq % pending;
    if (ring[slot]) await ring[slot];
    ring[slot] = producer.send(message(seq, size));
  }
  for (const sent of ring) if (sent) await sent;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await producer.close();
  const result: ProducerResult = { seconds, retries: producer.retries() };
  process.send!({ producer: result }, () => process.exit(0));
}

/** Messages for either kind, each acked when the next is taken (variant) or at once (raw). */
async function* receiving(kind: Kind, address: JetStreamAddress, total: number): AsyncGenerator<Uint8Array> {
  if (kind === "variant") {
    const consumer = await JetStreamQueue.consumer(address);
    process.send!({ ready: true });
    yield* consumer;
    await consumer.close();
    return;
  }
  const nc = await connect({
    servers: address.servers,
    noAsyncTraces: true,
    ...(address.token ? { token: address.token } : {}),
  });
  const consumer = await jetstream(nc).consumers.get(address.stream, address.consumer);
  const messages = await consumer.consume({ max_messages: 64 });
  process.send!({ ready: true });
  let n = 0;
  for await (const m of messages) {
    m.ack();
    yield m.data;
    if (++n === total) break;
  }
  await nc.flush();
  await nc.close();
}

async function consumerMain(kind: Kind, address: JetStreamAddress, count: number): Promise<void> {
  const latencies = new Float64Array(count);
  let expected = 0;
  let outOfOrder = 0;
  let duplicates = 0;
  let measured = 0;
  let started = 0n;
  let last = 0n;
  for await (const data of receiving(kind, address, WARMUP + count)) {
    const now = process.hrtime.bigint();
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const seq = view.readUInt32BE(0);
    if (seq < expected) duplicates++;
    else if (seq > expected) outOfOrder++;
    expected = Math.max(expected, seq + 1);
    if (seq < WARMUP) continue;
    if (measured === 0) started = now;
    last = now;
    if (measured < count) latencies[measured] = Number(now - view.readBigUInt64BE(4)) / 1000;
    measured++;
  }
  const sorted = latencies.subarray(0, Math.min(measured, count)).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const result: ConsumerResult = {
    received: measured,
    outOfOrder,
    duplicates,
    // From the first measured message to the last: the consumer's steady rate.
    seconds: Number(last - started) / 1e9,
    latencyUs: { p50: at(0.5), p99: at(0.99), p999: at(0.999) },
  };
  process.send!({ consumer: result }, () => process.exit(0));
}

function childResult<T>(child: ReturnType<typeof spawnScript>, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.process.on("message", (m: Record<string, unknown>) => {
      if (m?.[key]) resolve(m[key] as T);
    });
    void child.exited.then((code) =>
      reject(new Error(`${key} process exited with ${code} before reporting`)),
    );
  });
}

async function runOnce(kind: Kind, servers: string[], count: number, size: number, pending: number) {
  // The same stream and durable consumer for both kinds: the queue's defaults.
  const queue = await JetStreamQueue.open({ servers });
  try {
    const args = [kind, JSON.stringify(queue.address), String(count)];
    const consumer = spawnScript(import.meta.url, { args: ["consumer", ...args] });
    await childResult<true>(consumer, "ready");
    const consumed = childResult<ConsumerResult>(consumer, "consumer");
    const producer = spawnScript(import.meta.url, {
      args: ["producer", ...args, String(size), String(pending)],
    });
    const produced = await childResult<ProducerResult>(producer, "producer");
    const result = await consumed;
    await Promise.all([producer.exited, consumer.exited]);
    return { producer: produced, consumer: result, replicas: queue.replicas };
  } finally {
    await queue.close();
  }
}

async function main(count: number, size: number, rounds: number, pendings: number[]): Promise<void> {
  const version = execFileSync("nats-server", ["--version"]).toString().trim();
  console.log(
    `JetStream queue throughput: ${count} messages of ${size} B after ${WARMUP} warm-up, producer and consumer in separate processes, ${rounds} rounds (median)`,
  );
  console.log(
    `${cpus()[0]?.model} x${cpus().length}, Linux ${release()}, Node ${process.version}, ${version}, file storage, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const given = natsUrlsFromEnv();
  const topologies: Array<{
    name: string;
    start: () => Promise<{ servers: string[]; stop: () => Promise<void> }>;
  }> = given
    ? [{ name: `NATS_URL (${given.length})`, start: async () => ({ servers: given, stop: async () => {} }) }]
    : [
        {
          name: "1 server",
          start: async () => {
            const s = await startNatsServer({ jetstream: true });
            return { servers: [s.url], stop: () => s.stop() };
          },
        },
        {
          name: "3-node cluster",
          start: async () => {
            const c = await startJetStreamCluster();
            return { servers: c.urls, stop: () => c.stop() };
          },
        },
      ];
  const rows = [];
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  for (const topology of topologies) {
    const { servers, stop } = await topology.start();
    try {
      for (const pending of pendings) {
        type Run = Awaited<ReturnType<typeof runOnce>>;
        const runs: Record<Kind, Run[]> = { raw: [], variant: [] };
        // Raw and the variant take turns on the same servers, so that both meet the same load.
        for (let round = 0; round < rounds; round++) {
          for (const kind of ["raw", "variant"] as const)
            runs[kind].push(await runOnce(kind, servers, count, size, pending));
        }
        const rates = (kind: Kind) => runs[kind].map((r) => r.consumer.received / r.consumer.seconds);
        for (const kind of ["raw", "variant"] as const) {
          const rs = rates(kind);
          const sum = (f: (r: Run) => number) => runs[kind].reduce((total, r) => total + f(r), 0);
          rows.push({
            servers: topology.name,
            replicas: runs[kind][0]!.replicas,
            pending,
            client: kind === "raw" ? "raw @nats-io/jetstream" : "variant (defaults)",
            "msg/s (median)": Math.round(median(rs)),
            "min–max": `${Math.round(Math.min(...rs))}–${Math.round(Math.max(...rs))}`,
            "vs raw": kind === "raw" ? "" : `${(median(rs) / median(rates("raw"))).toFixed(2)}×`,
            "p50 µs": Math.round(median(runs[kind].map((r) => r.consumer.latencyUs.p50))),
            "p99 µs": Math.round(median(runs[kind].map((r) => r.consumer.latencyUs.p99))),
            lost: sum((r) => count - r.consumer.received),
            dup: sum((r) => r.consumer.duplicates),
            reordered: sum((r) => r.consumer.outOfOrder),
            retries: sum((r) => r.producer.retries),
          });
        }
      }
    } finally {
      await stop();
    }
  }
  console.log(
    `load after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.table(rows);
  console.log(JSON.stringify({ bench: "jetstream-throughput", size, count, rows }));
}
