/**
 * JetStream queue throughput: 64-byte messages from a producer process to a consumer process
 * through a work-queue stream on one nats-server (started here, or NATS_URL), file storage.
 * Two producer modes in one run: each send awaited (one PubAck round trip per message) and
 * sends pipelined within a window of outstanding PubAcks. The consumer acks each message when
 * it takes the next (the variant's iterator) and checks that nothing was lost, duplicated or
 * reordered; every message carries its send time, so it also records one-way latency.
 *
 *   node --import tsx packages/message-queue/bench/jetstream-throughput.ts [messages] [size]
 */

import { execFileSync } from "node:child_process";
import { cpus, release } from "node:os";
import { spawnScript } from "@ipc-atlas/core";
import { natsUrlsFromEnv, startNatsServer } from "@ipc-atlas/nats";
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
  rssMiB: number;
}

const [role, ...rest] = process.argv.slice(2);
if (role === "producer")
  await producerMain(JSON.parse(rest[0]!), Number(rest[1]), Number(rest[2]), Number(rest[3]));
else if (role === "consumer") await consumerMain(JSON.parse(rest[0]!), Number(rest[1]));
else await main(Number(role ?? 50_000), Number(rest[0] ?? 64));

async function producerMain(
  address: JetStreamAddress,
  count: number,
  size: number,
  window: number,
): Promise<void> {
  const producer = await JetStreamQueue.producer(address, { window: Math.max(1, window) });
  const pending: Promise<void>[] = [];
  let started = 0n;
  for (let seq = 0; seq < WARMUP + count; seq++) {
    if (seq === WARMUP) started = process.hrtime.bigint();
    const message = Buffer.alloc(Math.max(size, HEADER));
    message.writeUInt32BE(seq, 0);
    message.writeBigUInt64BE(process.hrtime.bigint(), 4);
    const sending = producer.send(message);
    if (window <= 1) await sending;
    else {
      // Keep at most `window` sends outstanding here too, so the caller does not run ahead.
      pending.push(sending);
      if (pending.length >= window) await pending.shift();
    }
  }
  await Promise.all(pending);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await producer.close();
  const result: ProducerResult = { seconds, rssMiB: process.memoryUsage().rss / 2 ** 20 };
  process.send!({ producer: result }, () => process.exit(0));
}

async function consumerMain(address: JetStreamAddress, count: number): Promise<void> {
  const consumer = await JetStreamQueue.consumer(address);
  process.send!({ ready: true });
  const latencies = new Float64Array(count);
  let expected = 0;
  let outOfOrder = 0;
  let duplicates = 0;
  let measured = 0;
  let started = 0n;
  let last = 0n;
  for await (const message of consumer) {
    const now = process.hrtime.bigint();
    const view = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
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
  await consumer.close();
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

async function runOnce(servers: string[], count: number, size: number, window: number) {
  const queue = await JetStreamQueue.open({ servers });
  try {
    const args = [JSON.stringify(queue.address), String(count)];
    const consumer = spawnScript(import.meta.url, { args: ["consumer", ...args] });
    await childResult<true>(consumer, "ready");
    const consumed = childResult<ConsumerResult>(consumer, "consumer");
    const producer = spawnScript(import.meta.url, {
      args: ["producer", ...args, String(size), String(window)],
    });
    const produced = await childResult<ProducerResult>(producer, "producer");
    const result = await consumed;
    await Promise.all([producer.exited, consumer.exited]);
    return { window, producer: produced, consumer: result };
  } finally {
    await queue.close();
  }
}

async function main(count: number, size: number): Promise<void> {
  const given = natsUrlsFromEnv();
  const server = given ? undefined : await startNatsServer({ jetstream: true });
  const servers = given ?? [server!.url];
  const version = execFileSync("nats-server", ["--version"]).toString().trim();
  console.log(
    `JetStream queue throughput: ${count} messages of ${size} B after ${WARMUP} warm-up, producer and consumer in separate processes`,
  );
  console.log(
    `${cpus()[0]?.model} x${cpus().length}, Linux ${release()}, Node ${process.version}, ${version}, file storage, ${servers.join(",")}`,
  );
  const rows = [];
  try {
    for (const window of [1, 64, 256]) {
      const r = await runOnce(servers, count, size, window);
      const lost = count - r.consumer.received;
      const rate = r.consumer.received / r.consumer.seconds;
      rows.push({
        producer: window === 1 ? "each send awaited" : `window ${window}`,
        "msg/s": Math.round(rate),
        "MB/s": Number(((rate * size) / 1e6).toFixed(2)),
        "send msg/s": Math.round(count / r.producer.seconds),
        "p50 µs": Math.round(r.consumer.latencyUs.p50),
        "p99 µs": Math.round(r.consumer.latencyUs.p99),
        "p99.9 µs": Math.round(r.consumer.latencyUs.p999),
        lost,
        dup: r.consumer.duplicates,
        reordered: r.consumer.outOfOrder,
        "producer RSS MiB": Math.round(r.producer.rssMiB),
      });
    }
  } finally {
    await server?.stop();
  }
  console.table(rows);
  console.log(JSON.stringify({ bench: "jetstream-throughput", size, count, rows }));
}
