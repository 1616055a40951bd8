/**
 * What the pub-sub-nats-os adapter costs over plain nats.js: 64-byte messages from a publisher
 * (this process) to a subscriber process through one nats-server, alternating the two paths in
 * one run so both see the same machine load.
 *
 * - variant: `await producer.send(m)` per message (bounded window, flush round-trips), then
 *   `close()` (END); the subscriber iterates the variant's consumer.
 * - plain nats.js: `nc.publish(subject, m)` in a loop, then `await nc.flush()` — how nats.js's
 *   own bench publishes (it buffers everything in the client); the subscriber counts in a
 *   subscription callback.
 *
 * Throughput is measured at the subscriber, first message to last. Reports the median of the
 * rounds and the ratio.
 *
 *   node --import tsx packages/nats/bench/adapter-cost.ts [messages=200000] [rounds=5]
 */

import { cpus, release } from "node:os";
import { spawnScript } from "@ipc-atlas/core";
import { connect } from "@nats-io/transport-node";
import { natsProducer, newSubject } from "../src/pub-sub.ts";
import { natsUrlsFromEnv, startNatsServer } from "../src/server.ts";

const messages = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const SIZE = 64;

const existing = natsUrlsFromEnv();
const server = existing ? undefined : await startNatsServer();
const servers = existing ?? [server!.url];
const child = spawnScript(new URL("./subscriber.ts", import.meta.url));
type Reply = { ready?: true; result?: { received: number; seconds: number } };

function next(predicate: (m: Reply) => boolean): Promise<Reply> {
  return new Promise((resolve) => {
    const on = (m: Reply) => {
      if (!predicate(m)) return;
      child.process.off("message", on);
      resolve(m);
    };
    child.process.on("message", on);
  });
}

async function round(mode: "variant" | "plain"): Promise<number> {
  const address = { servers, subject: newSubject("bench") };
  const ready = next((m) => Boolean(m.ready));
  const result = next((m) => Boolean(m.result));
  child.process.send({ mode, address, count: messages });
  await ready;
  const payload = Buffer.alloc(SIZE, 7);
  if (mode === "variant") {
    const producer = await natsProducer(address);
    for (let i = 0; i < messages; i++) await producer.send(payload);
    await producer.close();
  } else {
    const nc = await connect({ servers });
    for (let i = 0; i < messages; i++) nc.publish(address.subject, payload);
    await nc.flush();
    await nc.close();
  }
  const { received, seconds } = (await result).result!;
  if (received !== messages) throw new Error(`${mode}: ${messages} sent, ${received} received`);
  return messages / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rates: Record<"variant" | "plain", number[]> = { variant: [], plain: [] };
try {
  console.log(
    `# pub-sub-nats-os adapter cost: ${messages} × ${SIZE} B per round, ${rounds} rounds each, alternating`,
  );
  console.log(
    `# ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, Linux ${release()}, Node ${process.version}, ${servers[0]}`,
  );
  await round("variant"); // warm-up (JIT, connections), not counted
  await round("plain");
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? (["variant", "plain"] as const) : (["plain", "variant"] as const)) {
      rates[mode].push(await round(mode));
    }
  }
  const variant = median(rates.variant);
  const plain = median(rates.plain);
  const fmt = (x: number) => `${(x / 1000).toFixed(0)}k msg/s`;
  console.log(
    `variant (pub-sub-nats-os): median ${fmt(variant)}  rounds ${rates.variant.map(fmt).join(", ")}`,
  );
  console.log(`plain nats.js:             median ${fmt(plain)}  rounds ${rates.plain.map(fmt).join(", ")}`);
  console.log(
    `adapter cost: ${((1 - variant / plain) * 100).toFixed(1)} % (variant/plain = ${(variant / plain).toFixed(3)})`,
  );
  console.log(JSON.stringify({ bench: "nats-adapter-cost", size: SIZE, messages, rounds, variant, plain }));
} finally {
  child.process.disconnect();
  await child.exited;
  await server?.stop();
}
