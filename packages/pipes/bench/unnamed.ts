/**
 * In-process throughput of the unnamed pipes for 64 B messages: pipes-unnamed and
 * pipes-unnamed-io through the Producer/Consumer interface, and the bare Pipe moving the same
 * 68-byte frames with write/read, in the same run (median of interleaved rounds).
 *
 *   node --import tsx bench/unnamed.ts [--rounds 5] [--count 200000]
 */

import { parseArgs } from "node:util";
import type { AnyVariant } from "@ipc-atlas/core";
import { createPipe, pipesUnnamed, pipesUnnamedIo } from "../src/index.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, count: { type: "string", default: "200000" } },
});
const rounds = Number(values.rounds);
const count = Number(values.count);

async function viaVariant(variant: AnyVariant): Promise<number> {
  const endpoint = await variant.open();
  const consumer = await variant.consumer(endpoint.address);
  const producer = await variant.producer(endpoint.address);
  const started = performance.now();
  const sending = (async () => {
    for (let i = 0; i < count; i++) await producer.send(Buffer.alloc(64, i & 0xff));
    await producer.close();
  })();
  let received = 0;
  for await (const _ of consumer) received++;
  await sending;
  const ms = performance.now() - started;
  await endpoint.close();
  if (received !== count) throw new Error(`${variant.id}: ${received} of ${count}`);
  return count / (ms / 1000);
}

async function viaBarePipe(): Promise<number> {
  const { reader, writer } = createPipe();
  const started = performance.now();
  const writing = (async () => {
    for (let i = 0; i < count; i++) await writer.write(Buffer.alloc(68, i & 0xff));
    writer.close();
  })();
  const buffer = new Uint8Array(64 * 1024);
  let bytes = 0;
  for (;;) {
    const n = await reader.read(buffer);
    if (n === null) break;
    bytes += n;
  }
  await writing;
  if (bytes !== count * 68) throw new Error("bytes lost");
  return count / ((performance.now() - started) / 1000);
}

const runs: Array<[string, () => Promise<number>]> = [
  ["pipes-unnamed", () => viaVariant(pipesUnnamed)],
  ["pipes-unnamed-io", () => viaVariant(pipesUnnamedIo)],
  ["bare Pipe, 68 B write/read", viaBarePipe],
];
const samples = new Map<string, number[]>(runs.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of round % 2 ? [...runs].reverse() : runs) samples.get(name)!.push(await run());
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `64 B messages in one process, ${count} per run, median of ${rounds} rounds (Node ${process.version})`,
);
for (const [name] of runs) {
  console.log(
    `  ${name.padEnd(28)} ${Math.round(median(samples.get(name)!))
      .toLocaleString("en-US")
      .padStart(10)} msg/s`,
  );
}
