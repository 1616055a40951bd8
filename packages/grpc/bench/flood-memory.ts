/**
 * Where a consumer's memory goes under a flood of unary calls (issue 14's grpc-network flood,
 * with the breakdown the test cannot print): N calls of 4 KiB without a deadline, over
 * CHANNELS connections, against a consumer in its own process that takes nothing and holds at
 * most MAX_WAITING of them. Prints the consumer's RSS, V8 heap (new and old space) and external
 * memory before, right after every refusal came back, and after a full garbage collection.
 *
 *   node --import tsx packages/grpc/bench/flood-memory.ts [--calls 10000] [--channels 20] [--max-waiting 1024]
 */

import { parseArgs } from "node:util";
import { credentials, Metadata, type ServiceError, status as Status } from "@grpc/grpc-js";
import { type ChildHandle, newToken, spawnScript } from "@ipc-atlas/core";
import { MessagesClientConstructor } from "../src/index.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "10000" },
    channels: { type: "string", default: "20" },
    "max-waiting": { type: "string", default: "1024" },
  },
});
const calls = Number(values.calls);
const maxWaiting = Number(values["max-waiting"]);
const token = newToken();
const child: ChildHandle = spawnScript(new URL("./flood-consumer.ts", import.meta.url), {
  args: [token, String(maxWaiting)],
});

type Memory = Record<string, number>;
function reply<T>(matches: (m: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: T) => {
      if (!matches(m)) return;
      child.process.off("message", onMessage);
      resolve(m);
    };
    child.process.on("message", onMessage);
  });
}

const ready = await reply<{ ready?: boolean; port: number; memory: Memory }>((m) => m?.ready === true);
const clients = Array.from(
  { length: Number(values.channels) },
  () =>
    new MessagesClientConstructor(`127.0.0.1:${ready.port}`, credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    }) as unknown as {
      Send(r: unknown, m: Metadata, cb: (e: ServiceError | null) => void): void;
      close(): void;
    },
);
const metadata = new Metadata();
metadata.set("authorization", `Bearer ${token}`);
const data = Buffer.alloc(4 * 1024, 3);
const codes: number[] = [];
const started = performance.now();
for (let i = 0; i < calls; i++) {
  clients[i % clients.length]!.Send({ data }, metadata, (e) => codes.push(e?.code ?? Status.OK));
}
// Every call past the cap is answered at once; the ones within it wait (no deadline).
while (codes.length < calls - maxWaiting) await new Promise((r) => setTimeout(r, 20));
const elapsed = performance.now() - started;
child.process.send({});
const after = await reply<{ memory?: Memory }>((m) => m?.memory !== undefined);
child.process.send({ gc: true });
const collected = await reply<{ memory?: Memory }>((m) => m?.memory !== undefined);

const row = (label: string, m: Memory) =>
  `${label.padEnd(14)}${Object.entries(m)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(", ")}`;
const exhausted = codes.filter((c) => c === Status.RESOURCE_EXHAUSTED).length;
console.log(`${calls} calls, ${exhausted} RESOURCE_EXHAUSTED within ${(elapsed / 1000).toFixed(1)} s (MiB):`);
console.log(row("before", ready.memory));
console.log(row("after", after.memory!));
console.log(row("after a GC", collected.memory!));
console.log(`RSS growth ${(after.memory!.rss! - ready.memory.rss!).toFixed(1)} MiB`);
for (const client of clients) client.close();
child.kill("SIGKILL");
await child.exited;
