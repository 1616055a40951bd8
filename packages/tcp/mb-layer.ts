import { Inbox } from "./src/inbox.ts";

const N = 1000;
const msgs = Array.from({ length: N }, (_, i) => {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(i);
  return b;
});
let sink = 0;
const take = (m: Uint8Array) => {
  sink += m[3]!;
};
const RESOLVED = Promise.resolve();
async function syncCb() {
  for (let i = 0; i < N; i++) take(msgs[i]!);
}
async function forAwait() {
  const inbox = new Inbox(1 << 30, 1 << 30, () => {});
  for (let i = 0; i < N; i++) inbox.push(msgs[i]!);
  inbox.end();
  for await (const m of { [Symbol.asyncIterator]: () => inbox }) take(m);
}
async function asyncGen() {
  async function* g() {
    for (let i = 0; i < N; i++) yield msgs[i]!;
  }
  for await (const m of g()) take(m);
}
async function awaitSend() {
  for (let i = 0; i < N; i++) {
    await RESOLVED;
    take(msgs[i]!);
  }
}
async function syncSend() {
  for (let i = 0; i < N; i++) {
    take(msgs[i]!);
  }
}
async function view() {
  for (let i = 0; i < N; i++) take(msgs[i]!.subarray(1));
}
async function u8view() {
  for (let i = 0; i < N; i++) {
    const m = msgs[i]!;
    take(new Uint8Array(m.buffer, m.byteOffset + 1, 63));
  }
}
const cases: Record<string, () => Promise<void>> = {
  syncCb,
  forAwait,
  asyncGen,
  awaitSend,
  syncSend,
  view,
  u8view,
};
for (let r = 0; r < 3; r++)
  for (const [k, f] of Object.entries(cases)) {
    for (let i = 0; i < 300; i++) await f();
    const t = process.cpuUsage();
    for (let i = 0; i < 3000; i++) await f();
    const u = process.cpuUsage(t);
    console.log(k.padEnd(12), (((u.user + u.system) * 1000) / 3e6).toFixed(1), "ns/msg");
  }
