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
class Plain {
  ring: (Uint8Array | undefined)[] = new Array(1024).fill(undefined);
  head = 0;
  count = 0;
  bytes = 0;
  waiter: any = undefined;
  resumeWanted = false;
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
    if (this.resumeWanted) {
    }
    return m;
  }
}
class Priv {
  #ring: (Uint8Array | undefined)[] = new Array(1024).fill(undefined);
  #head = 0;
  #count = 0;
  #bytes = 0;
  #waiter: any = undefined;
  push(m: Uint8Array) {
    if (this.#waiter !== undefined) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ done: false, value: m });
      return;
    }
    const ring = this.#ring;
    ring[(this.#head + this.#count) & (ring.length - 1)] = m;
    this.#count++;
    this.#bytes += m.byteLength;
  }
  next() {
    if (this.#count > 0) return Promise.resolve({ done: false, value: this.#take() });
    return DONE;
  }
  #take() {
    const ring = this.#ring;
    const m = ring[this.#head]!;
    ring[this.#head] = undefined;
    this.#head = (this.#head + 1) & (ring.length - 1);
    this.#count--;
    this.#bytes -= m.byteLength;
    return m;
  }
}
const plain = new Plain();
const priv = new Priv();
async function plainLoop() {
  for (let i = 0; i < N; i++) plain.push(msgs[i]!);
  let k = 0;
  for await (const m of { [Symbol.asyncIterator]: () => plain }) {
    take(m);
    if (++k === N) break;
  }
}
async function privLoop() {
  for (let i = 0; i < N; i++) priv.push(msgs[i]!);
  let k = 0;
  for await (const m of { [Symbol.asyncIterator]: () => priv }) {
    take(m);
    if (++k === N) break;
  }
}
async function arrLoop() {
  const it = new ArrIter();
  for await (const m of { [Symbol.asyncIterator]: () => it }) take(m);
}
const cases: Record<string, () => Promise<void>> = { plainLoop, privLoop, arrLoop };
for (let r = 0; r < 4; r++)
  for (const [k, f] of Object.entries(cases)) {
    for (let i = 0; i < 300; i++) await f();
    const t = process.cpuUsage();
    for (let i = 0; i < 3000; i++) await f();
    const u = process.cpuUsage(t);
    console.log(k.padEnd(18), (((u.user + u.system) * 1000) / 3e6).toFixed(1), "ns/msg");
  }
