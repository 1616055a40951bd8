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
import { newSubject } from "../src/connection.ts";
import { natsProducer } from "../src/publisher.ts";
import { natsUrlsFromEnv, startNatsServer } from "../src/server.ts";

const messages = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const SIZE = 64;

const existing = natsUrlsFromEnv();
const server = existing ? undefined : await startNatsServer();
const servers = existing ?? [server!.url];
const child = spawnScript(new URL("./subscriber.ts", import.meta.url));
type Reply = { ready?: true; result?: { received: number; seconds: number; last: string } };

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

/** Messages per second: end to end (first publish to last receipt) and at the subscriber. */
async function round(mode: "variant" | "plain"): Promise<{ endToEnd: number; subscriber: number }> {
  const address = { servers, subject: newSubject("bench") };
  const ready = next((m) => Boolean(m.ready));
  const result = next((m) => Boolean(m.result));
  child.process.send({ mode, address, count: messages });
  await ready;
  const payload = Buffer.alloc(SIZE, 7);
  let start = process.hrtime.bigint();
  if (mode === "variant") {
    const producer = await natsProducer(address);
    start = process.hrtime.bigint();
    for (let i = 0; i < messages; i++) await producer.send(payload);
    await producer.close();
  } else {
    const nc = await connect({ servers });
    start = process.hrtime.bigint();
    for (let i = 0; i < messages; i++) nc.publish(address.subject, payload);
    await nc.flush();
    await nc.close();
  }
  const { received, seconds, last } = (await result).result!;
  if (received !== messages) throw new Error(`${mode}: ${messages} sent, ${received} received`);
  return { endToEnd: messages / (Number(BigInt(last) - start) / 1e9), subscriber: messages / seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rates: Record<"variant" | "plain", Array<{ endToEnd: number; subscriber: number }>> = {
  variant: [],
  plain: [],
};
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
  const fmt = (x: number) => `${(x / 1000).toFixed(0)}k`;
  const summary = (mode: "variant" | "plain") => {
    const e2e = rates[mode].map((r) => r.endToEnd);
    const sub = rates[mode].map((r) => r.subscriber);
    return { e2e, sub, e2eMedian: median(e2e), subMedian: median(sub) };
  };
  const v = summary("variant");
  const p = summary("plain");
  console.log("msg/s, median of rounds    end to end   at subscriber   (end-to-end rounds)");
  console.log(
    `variant (pub-sub-nats-os)   ${fmt(v.e2eMedian).padStart(10)}   ${fmt(v.subMedian).padStart(13)}   (${v.e2e.map(fmt).join(", ")})`,
  );
  console.log(
    `plain nats.js               ${fmt(p.e2eMedian).padStart(10)}   ${fmt(p.subMedian).padStart(13)}   (${p.e2e.map(fmt).join(", ")})`,
  );
  console.log(
    `adapter cost, end to end: ${((1 - v.e2eMedian / p.e2eMedian) * 100).toFixed(1)} % ` +
      `(at the subscriber: ${((1 - v.subMedian / p.subMedian) * 100).toFixed(1)} %)`,
  );
  console.log(
    JSON.stringify({ bench: "nats-adapter-cost", size: SIZE, messages, rounds, variant: v, plain: p }),
  );
} finally {
  child.process.disconnect();
  await child.exited;
  await server?.stop();
}
