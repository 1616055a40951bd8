const N = 1000;
const frames0 = Array.from({ length: N }, (_, i) => {
  const b = Buffer.alloc(65);
  b.writeUInt32BE(i, 1);
  return b;
});
let sink = 0;
const take = (m: Uint8Array) => {
  sink += m[3]!;
};
const DONE = Promise.resolve({ done: true, value: undefined });
class Ring {
  ring: (Uint8Array | undefined)[] = new Array(1024).fill(undefined);
  head = 0;
  count = 0;
  bytes = 0;
  waiter: any = undefined;
  receive(frames: Buffer[]) {
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      if (f[0] === 0) this.push(f.subarray(1));
    }
  }
  push(m: Uint8Array) {
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ done: false, value: m });
      return;
    }
    const ring = this.ring;
    ring[(this.head + this.count) & (ring.length - 1)] = m;
    this.count++;
    this.bytes += m.byteLength;
  }
  next() {
    if (this.count > 0) return Promise.resolve({ done: false, value: this.take() });
    return DONE;
  }
  take() {
    const ring = this.ring;
    const m = ring[this.head]!;
    ring[this.head] = undefined;
    this.head = (this.head + 1) & (ring.length - 1);
    this.count--;
    this.bytes -= m.byteLength;
    return m;
  }
}
class Batches {
  batches: Buffer[][] = [];
  cur: Buffer[] = [];
  idx = 0;
  count = 0;
  receive(frames: Buffer[]) {
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      if (f[0] !== 0) throw 1;
    }
    if (this.idx === this.cur.length) {
      this.cur = frames;
      this.idx = 0;
    } else this.batches.push(frames);
    this.count += frames.length;
  }
  next() {
    if (this.count > 0) {
      let cur = this.cur;
      if (this.idx === cur.length) {
        cur = this.cur = this.batches.shift()!;
        this.idx = 0;
      }
      const f = cur[this.idx]!;
      cur[this.idx++] = undefined as any;
      this.count--;
      return Promise.resolve({ done: false, value: f.subarray(1) });
    }
    return DONE;
  }
}
const ring = new Ring();
const batches = new Batches();
async function ringLoop() {
  ring.receive(frames0.slice());
  let k = 0;
  for await (const m of { [Symbol.asyncIterator]: () => ring }) {
    take(m);
    if (++k === N) break;
  }
}
async function batchLoop() {
  batches.receive(frames0.slice());
  let k = 0;
  for await (const m of { [Symbol.asyncIterator]: () => batches }) {
    take(m);
    if (++k === N) break;
  }
}
async function rawLoop() {
  const fr = frames0.slice();
  for (const f of fr) if (f[0] === 0) take(f.subarray(1));
}
const cases: Record<string, () => Promise<void>> = { ringLoop, batchLoop, rawLoop };
const res: Record<string, number[]> = {};
for (let r = 0; r < 15; r++)
  for (const [k, f] of Object.entries(cases)) {
    for (let i = 0; i < 100; i++) await f();
    const t = process.cpuUsage();
    for (let i = 0; i < 1000; i++) await f();
    const u = process.cpuUsage(t);
    (res[k] ??= []).push(((u.user + u.system) * 1000) / 1e6);
  }
for (const [k, v] of Object.entries(res)) {
  v.sort((a, b) => a - b);
  console.log(k.padEnd(12), v[7]!.toFixed(1), "ns/msg median; min", v[0]!.toFixed(1));
}
