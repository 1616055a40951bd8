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
const R = { done: false, value: msgs[0] };
const RP = Promise.resolve(R);
const DONE = Promise.resolve({ done: true, value: undefined });
class ConstIter {
  i = 0;
  next() {
    return this.i++ < N ? RP : DONE;
  }
}
class ArrIter {
  i = 0;
  next() {
    return this.i < N ? Promise.resolve({ done: false, value: msgs[this.i++]! }) : DONE;
  }
}
class ArrIterNoP {
  i = 0;
  next(): any {
    return this.i < N ? { done: false, value: msgs[this.i++]! } : { done: true, value: undefined };
  }
}
async function forAwaitConst() {
  const it = new ConstIter();
  for await (const m of { [Symbol.asyncIterator]: () => it }) take(m as any);
}
async function forAwaitArr() {
  const it = new ArrIter();
  for await (const m of { [Symbol.asyncIterator]: () => it }) take(m);
}
async function forAwaitNoPromise() {
  const it = new ArrIterNoP();
  for await (const m of { [Symbol.asyncIterator]: () => it }) take(m);
}
async function manualNext() {
  const it = new ArrIter();
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    take(r.value!);
  }
}
async function forOfAwait() {
  const it = new ArrIterNoP();
  for (;;) {
    const r = it.next();
    if (r.done) break;
    await undefined;
    take(r.value!);
  }
}
const cases: Record<string, () => Promise<void>> = {
  forAwaitConst,
  forAwaitArr,
  forAwaitNoPromise,
  manualNext,
  forOfAwait,
};
for (let r = 0; r < 3; r++)
  for (const [k, f] of Object.entries(cases)) {
    for (let i = 0; i < 300; i++) await f();
    const t = process.cpuUsage();
    for (let i = 0; i < 3000; i++) await f();
    const u = process.cpuUsage(t);
    console.log(k.padEnd(18), (((u.user + u.system) * 1000) / 3e6).toFixed(1), "ns/msg");
  }
