/**
 * What the Producer/Consumer layer costs over raw grpc-js: 64-byte messages one way between two
 * processes (this process produces; a child consumes), through the variant and through bare
 * grpc-js making the same calls, in the same run. Two workloads:
 * - unary: one Send call per message, each awaited (the variant's synchronous default);
 * - stream: client-streaming Stream calls, writes paced by HTTP/2 flow control (mode "stream");
 *   each batch is one Stream call that ends when the consumer has everything (variant: flush()).
 * Both consumers (the variant's, and a bare grpc-js server) stay up for the whole run, and the
 * producer alternates batches between them, so the drift of a shared machine hits both alike.
 *
 *   node --import tsx packages/grpc/bench/adapter-cost.ts [--variant grpc-os|grpc-network|all]
 *        [--batches 20] [--unary 1000] [--stream 20000] [--json]
 *
 * --unary and --stream are messages per batch; each layer gets --batches batches of each.
 */

import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { type Client, type ClientWritableStream, credentials, type ServiceError } from "@grpc/grpc-js";
import { type ChildHandle, sendListener, spawnScript } from "@ipc-atlas/core";
import {
  type GrpcAddressBase,
  type GrpcProducer,
  type GrpcVariant,
  grpcNetwork,
  grpcOs,
  MessagesClientConstructor,
} from "../src/index.ts";

const { values } = parseArgs({
  options: {
    variant: { type: "string", default: "all" },
    batches: { type: "string", default: "20" },
    unary: { type: "string", default: "1000" },
    stream: { type: "string", default: "20000" },
    json: { type: "boolean", default: false },
  },
});
const SIZE = 64;
const batches = Number(values.batches);
const perBatch = { unary: Number(values.unary), stream: Number(values.stream) };
const all = [grpcOs, grpcNetwork] as unknown as GrpcVariant<GrpcAddressBase>[];
const chosen = values.variant === "all" ? all : all.filter((v) => v.id === values.variant);
if (chosen.length === 0)
  throw new Error(`--variant must be grpc-os, grpc-network or all, not ${values.variant}`);

type Workload = "unary" | "stream";
type Layer = "variant" | "raw";
const payload = Buffer.alloc(SIZE, 0x61);

async function startConsumer(layer: Layer, variant: GrpcVariant<GrpcAddressBase>, address: GrpcAddressBase) {
  const child = spawnScript(new URL("./consumer.ts", import.meta.url), {
    args: [layer, variant.id, JSON.stringify(address)],
  });
  // grpc-network: the endpoint's listening socket goes to the child, which serves it.
  sendListener(child.process, address);
  const received = new Promise<{ received: number; cpuMicros: number }>((resolve, reject) => {
    child.process.on("message", (m: { received?: number; cpuMicros: number; streamPauses?: number }) => {
      if (typeof m?.streamPauses === "number" && m.streamPauses > 0) {
        console.log(
          `${"".padEnd(22)}the variant's consumer paused a Stream ${m.streamPauses} times (inbox full)`,
        );
      }
      if (typeof m?.received === "number") resolve({ received: m.received, cpuMicros: m.cpuMicros });
    });
    void child.exited.then((code) => reject(new Error(`the ${layer} consumer exited with ${code}`)));
  });
  received.catch(() => {});
  await new Promise<void>((resolve, reject) => {
    child.process.on("message", (m: { ready?: boolean }) => m?.ready && resolve());
    void child.exited.then((code) =>
      reject(new Error(`the ${layer} consumer exited with ${code} before listening`)),
    );
  });
  return { child, received };
}

type RawUnary = (
  request: { data: Uint8Array },
  options: { deadline: number },
  callback: (e: ServiceError | null) => void,
) => void;
type RawStream = (
  options: { deadline: number },
  callback: (e: ServiceError | null) => void,
) => ClientWritableStream<{ data: Uint8Array }>;
type RawClient = Client & { Send: RawUnary; Stream: RawStream };

/** One batch with bare grpc-js: the same calls, deadlines and backpressure, no Producer/Consumer layer. */
async function rawBatch(client: RawClient, workload: Workload, count: number): Promise<void> {
  if (workload === "unary") {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) =>
        client.Send({ data: payload }, { deadline: Date.now() + 30_000 }, (e) => (e ? reject(e) : resolve())),
      );
    }
    return;
  }
  let call!: ClientWritableStream<{ data: Uint8Array }>;
  const done = new Promise<void>((resolve, reject) => {
    call = client.Stream({ deadline: Date.now() + 600_000 }, (e) => (e ? reject(e) : resolve()));
  });
  for (let i = 0; i < count; i++) {
    if (!call.write({ data: payload })) await new Promise((r) => call.once("drain", r));
  }
  call.end();
  await done;
}

/** One batch through the variant; it ends when the consumer has taken every message. */
async function variantBatch(producer: GrpcProducer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await producer.send(payload);
  await producer.flush();
}

async function measure(variant: GrpcVariant<GrpcAddressBase>, workload: Workload) {
  const variantEndpoint = await variant.open();
  const rawEndpoint = await variant.open();
  const children: ChildHandle[] = [];
  try {
    const [variantConsumer, rawConsumer] = await Promise.all([
      startConsumer("variant", variant, variantEndpoint.address),
      startConsumer("raw", variant, rawEndpoint.address),
    ]);
    children.push(variantConsumer.child, rawConsumer.child);
    const producer = await variant.producer(variantEndpoint.address, { mode: workload });
    const rawTarget = rawEndpoint.address.target.replace(/^0\.0\.0\.0:/, "127.0.0.1:");
    const client = new MessagesClientConstructor(rawTarget, credentials.createInsecure(), {
      "grpc.enable_retries": 0,
    }) as unknown as RawClient;
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 5000, (e) => (e ? reject(e) : resolve())),
    );

    const count = perBatch[workload];
    const producerCpu: Record<Layer, number> = { raw: 0, variant: 0 };
    const run = async (layer: Layer) => {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      if (layer === "variant") await variantBatch(producer, count);
      else await rawBatch(client, workload, count);
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      producerCpu[layer] += used.user + used.system;
      return elapsed;
    };
    // Warm-up: one batch each, not counted (JIT, connection, protobuf code generation).
    await run("raw");
    await run("variant");
    producerCpu.raw = 0;
    producerCpu.variant = 0;
    const seconds: Record<Layer, number[]> = { raw: [], variant: [] };
    for (let b = 0; b < batches; b++) {
      const order: Layer[] = b % 2 === 0 ? ["raw", "variant"] : ["variant", "raw"];
      for (const layer of order) seconds[layer].push(await run(layer));
    }

    await producer.close();
    client.close();
    rawConsumer.child.process.send({ stop: true });
    const expected = (batches + 1) * count;
    const [gotVariant, gotRaw] = await Promise.all([variantConsumer.received, rawConsumer.received]);
    if (gotVariant.received !== expected || gotRaw.received !== expected) {
      throw new Error(
        `${expected} messages sent to each; variant consumer got ${gotVariant.received}, raw got ${gotRaw.received}`,
      );
    }
    const measured = batches * count;
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const rate = (layer: Layer) => (batches * count) / total(seconds[layer]);
    const ratios = seconds.raw.map((raw, i) => raw / seconds.variant[i]!).sort((a, b) => a - b);
    return {
      raw: rate("raw"),
      variant: rate("variant"),
      medianBatchRatio: ratios[Math.floor(ratios.length / 2)]!,
      // CPU time per message: steadier than wall time on a busy machine. The consumers' figure
      // covers the whole run (warm-up batch included) divided by every message they took.
      cpuMicrosPerMessage: {
        producer: { raw: producerCpu.raw / measured, variant: producerCpu.variant / measured },
        consumer: { raw: gotRaw.cpuMicros / expected, variant: gotVariant.cpuMicros / expected },
      },
    };
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(children.map((c) => c.exited));
    await variantEndpoint.close();
    await rawEndpoint.close();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(8);
console.log(`# grpc adapter cost: ${SIZE} B one way, producer in this process, consumer in a child process`);
console.log(
  `# node ${process.version}, ${cpus().length}x ${cpus()[0]?.model.trim()}; ${batches} alternating batches per layer ` +
    `(unary ${perBatch.unary}, stream ${perBatch.stream} messages per batch)`,
);
const results: Array<Record<string, unknown>> = [];
for (const variant of chosen) {
  for (const workload of ["unary", "stream"] as const) {
    const r = await measure(variant, workload);
    // Adjacent raw and variant batches form a pair; the median of the pairs' ratios is the
    // headline (robust to a burst of load from other processes), the totals' ratio beside it.
    const ratio = r.medianBatchRatio;
    results.push({
      id: variant.id,
      workload,
      size: SIZE,
      batches,
      perBatch: perBatch[workload],
      rawMsgPerSec: r.raw,
      variantMsgPerSec: r.variant,
      medianBatchRatio: r.medianBatchRatio,
      totalRatio: r.variant / r.raw,
      cpuMicrosPerMessage: r.cpuMicrosPerMessage,
    });
    console.log(
      `${variant.id.padEnd(13)} ${workload.padEnd(6)}  raw grpc-js ${fmt(r.raw)} msg/s  variant ${fmt(r.variant)} msg/s  ` +
        `variant/raw ${ratio.toFixed(3)} (median of ${batches} paired batches; totals ${(r.variant / r.raw).toFixed(3)})  ` +
        `adapter cost ${((1 - ratio) * 100).toFixed(1)} %`,
    );
    const c = r.cpuMicrosPerMessage;
    console.log(
      `${"".padEnd(22)}CPU µs/message: producer raw ${c.producer.raw.toFixed(1)} variant ${c.producer.variant.toFixed(1)}, ` +
        `consumer raw ${c.consumer.raw.toFixed(1)} variant ${c.consumer.variant.toFixed(1)}`,
    );
  }
}
if (values.json) console.log(JSON.stringify(results, null, 2));
