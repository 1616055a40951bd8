/**
 * The Node side of bench/throughput.ts: the same roles and the same work as native-mq.c,
 * through MessageQueue. The producer writes each message's sequence number into its first 8
 * bytes; the consumer checks every one.
 *
 *   mq-peer.ts consumer <name> <count> <warmup> <style>  prints "ready", then one JSON line
 *       {"count":…,"ns":…,"cpuNs":…,"csw":…,"bytes":…,"maxRssKiB":…} over the <count> messages after the
 *       first <warmup> (untimed, so the JIT has compiled the loop before the clock starts)
 *   mq-peer.ts producer <name> <count> <size> <style>    sends <count> messages (warm-up
 *       included), prints {"cpuNs":…,"csw":…,"maxRssKiB":…}
 *
 * Consumer styles: "iterate" — `for await (const m of queue)`, one message per step, the plain
 * at-most-once API; "receive" — `await queue.receive()` in a loop; "batch" — receiveMany(10),
 * the opt-in read-ahead.
 * Producer styles: "await" — `await queue.send(m)` for every message; "window" — up to 16
 * sends in flight (each awaited before its buffer is reused: a send that has to wait holds
 * on to its bytes until the queue takes them); "batch" — sendMany() in chunks of 256.
 */

import { MessageQueue } from "../src/index.ts";

const [role, name, countText, a, style] = process.argv.slice(2);
const count = Number(countText);

function usage(): { cpuNs: number; csw: number; maxRssKiB: number } {
  const r = process.resourceUsage();
  return {
    cpuNs: (r.userCPUTime + r.systemCPUTime) * 1000,
    csw: r.voluntaryContextSwitches + r.involuntaryContextSwitches,
    maxRssKiB: r.maxRSS,
  };
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

// The loops live in functions, not in the module's top level, where V8 optimizes them less
// (module variables, on-stack replacement): the same reason native-mq.c's are plain loops.
async function consume(): Promise<void> {
  const warmup = Number(a);
  const total = warmup + count;
  const queue = await MessageQueue.open(name!, { access: "read" });
  console.log("ready");
  let i = 0;
  let bytes = 0;
  let first = 0n;
  let start = { cpuNs: 0, csw: 0 };
  // One check per message, the same as native-mq.c: its sequence number, then the clock.
  const check = (data: Buffer): void => {
    if (data.length >= 8 && data.readUInt32LE(0) !== i) fail(`message ${i} carries ${data.readUInt32LE(0)}`);
    if (i === warmup) {
      first = process.hrtime.bigint();
      start = usage();
    }
    if (i >= warmup) bytes += data.length;
    i++;
  };
  if (style === "iterate") {
    for await (const message of queue) {
      check(message.data);
      if (i === total) break;
    }
  } else if (style === "receive") {
    while (i < total) check((await queue.receive()).data);
  } else if (style === "batch") {
    while (i < total)
      for (const message of await queue.receiveMany(Math.min(10, total - i))) check(message.data);
  } else fail(`unknown consumer style ${style}`);
  const ns = Number(process.hrtime.bigint() - first);
  const end = usage();
  queue.close();
  console.log(
    JSON.stringify({
      count: i - warmup,
      ns,
      cpuNs: end.cpuNs - start.cpuNs,
      csw: end.csw - start.csw,
      bytes,
      maxRssKiB: end.maxRssKiB,
    }),
  );
}

async function produce(): Promise<void> {
  const size = Number(a);
  const queue = await MessageQueue.open(name!, { access: "write" });
  const start = usage();
  if (style === "await") {
    const message = Buffer.alloc(size);
    for (let i = 0; i < count; i++) {
      message.writeUInt32LE(i, 0);
      await queue.send(message);
    }
  } else if (style === "window") {
    const WINDOW = 16;
    const messages = Array.from({ length: WINDOW }, () => Buffer.alloc(size));
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const slot = i % WINDOW;
      if (i >= WINDOW) await inFlight[slot];
      messages[slot]!.writeUInt32LE(i, 0);
      inFlight[slot] = queue.send(messages[slot]!);
    }
    await Promise.all(inFlight);
  } else if (style === "batch") {
    const CHUNK = 256;
    const chunk = Array.from({ length: CHUNK }, () => Buffer.alloc(size));
    for (let sent = 0; sent < count; sent += CHUNK) {
      const n = Math.min(CHUNK, count - sent);
      for (let k = 0; k < n; k++) chunk[k]!.writeUInt32LE(sent + k, 0);
      await queue.sendMany(n === CHUNK ? chunk : chunk.slice(0, n));
    }
  } else fail(`unknown producer style ${style}`);
  const end = usage();
  queue.close();
  console.log(
    JSON.stringify({ cpuNs: end.cpuNs - start.cpuNs, csw: end.csw - start.csw, maxRssKiB: end.maxRssKiB }),
  );
}

if (role === "consumer") await consume();
else if (role === "producer") await produce();
else fail(`unknown role ${role}`);
