// Messages per second through a Channel and through the Producer/Consumer variants, in one
// process. Run: node --import tsx bench/throughput.ts [messages]
import { Channel, channelsBuffered, channelsUnbuffered } from "../src/index.ts";

const count = Number(process.argv[2] ?? 1_000_000);
const payload = new Uint8Array(64);

async function channelRun(capacity: number): Promise<number> {
  const ch = new Channel<Uint8Array>(capacity);
  const start = process.hrtime.bigint();
  const producing = (async () => {
    for (let i = 0; i < count; i++) await ch.send(payload);
    ch.close();
  })();
  let n = 0;
  for (let r = await ch.receive(); r.ok; r = await ch.receive()) n++;
  await producing;
  if (n !== count) throw new Error(`lost messages: ${n}/${count}`);
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function variantRun(variant: typeof channelsBuffered): Promise<number> {
  const endpoint = await variant.open();
  const consumer = await variant.consumer(endpoint.address);
  const producer = await variant.producer(endpoint.address);
  const start = process.hrtime.bigint();
  const producing = (async () => {
    for (let i = 0; i < count; i++) await producer.send(payload);
    await producer.close();
  })();
  let n = 0;
  for await (const _ of consumer) n++;
  await producing;
  await endpoint.close();
  if (n !== count) throw new Error(`lost messages: ${n}/${count}`);
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

const fmt = (rate: number) => `${(rate / 1e6).toFixed(2)} M msg/s`.padStart(14);
console.log(`node ${process.version}, ${count} messages of 64 B, one process, median of 3`);
const median = async (run: () => Promise<number>) => {
  const rates = [await run(), await run(), await run()].sort((a, b) => a - b);
  return rates[1]!;
};
console.log(`Channel(16) send/receive        ${fmt(await median(() => channelRun(16)))}`);
console.log(`Channel(0)  send/receive        ${fmt(await median(() => channelRun(0)))}`);
console.log(`channels-buffered (16) variant  ${fmt(await median(() => variantRun(channelsBuffered)))}`);
console.log(`channels-unbuffered variant     ${fmt(await median(() => variantRun(channelsUnbuffered)))}`);
