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
const DONE = Promise.resolve({ done: true, value: undefined });
class ArrIter {
  i = 0;
  next() {
    return this.i < N ? Promise.resolve({ done: false, value: msgs[this.i++]! }) : DONE;
  }
}
const inbox = new Inbox(1 << 30, 1 << 30, () => {});
const iterable = { [Symbol.asyncIterator]: () => inbox };
async function inboxPushOnly() {
  for (let i = 0; i < N; i++) inbox.push(msgs[i]!);
  for (let i = 0; i < N; i++) inbox.next();
}
async function inboxLoop() {
  for (let i = 0; i < N; i++) inbox.push(msgs[i]!);
  let k = 0;
  for await (const m of iterable) {
    take(m);
    if (++k === N) break;
  }
}
async function arrLoop() {
  const it = new ArrIter();
  for await (const m of { [Symbol.asyncIterator]: () => it }) take(m);
}
const cases: Record<string, () => Promise<void>> = { inboxPushOnly, inboxLoop, arrLoop };
for (let r = 0; r < 4; r++)
  for (const [k, f] of Object.entries(cases)) {
    for (let i = 0; i < 300; i++) await f();
    const t = process.cpuUsage();
    for (let i = 0; i < 3000; i++) await f();
    const u = process.cpuUsage(t);
    console.log(k.padEnd(18), (((u.user + u.system) * 1000) / 3e6).toFixed(1), "ns/msg");
  }
