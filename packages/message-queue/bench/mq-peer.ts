/**
 * The Node side of bench/throughput.ts: the same roles as native-mq.c, through MessageQueue.
 *
 *   mq-peer.ts consumer <name> <count> <style> [warmup]  prints "ready", then {"count":…,"ns":…,"cpuNs":…}
 *     (times only the messages after the first `warmup`, like native-mq.c)
 *   mq-peer.ts producer <name> <count> <size> <style>  prints {"cpuNs":…}
 *
 * style "single": one awaited send() / receive() per message — the plain API, at-most-once.
 * style "batch":  sendMany() in chunks / receiveMany(10) — the opt-in batch paths.
 */

import { MessageQueue } from "../src/index.ts";

const [role, name, countText, a, b] = process.argv.slice(2);
const count = Number(countText);

if (role === "consumer") {
  const style = a;
  const warmup = Number(b ?? 0);
  const queue = await MessageQueue.open(name!, { access: "read" });
  console.log("ready");
  // Warm-up: the same code path, untimed, so the JIT has compiled it before the clock starts.
  for (let left = warmup; left > 0; ) {
    if (style === "batch") left -= (await queue.receiveMany(Math.min(10, left))).length;
    else {
      await queue.receive();
      left--;
    }
  }
  let received = 0;
  let bytes = 0;
  let first = 0n;
  let firstCpu = { user: 0, system: 0 };
  if (style === "batch") {
    while (received < count) {
      const messages = await queue.receiveMany(Math.min(10, count - received));
      if (received === 0) {
        first = process.hrtime.bigint();
        firstCpu = process.cpuUsage();
      }
      for (const m of messages) bytes += m.data.byteLength;
      received += messages.length;
    }
  } else {
    while (received < count) {
      const m = await queue.receive();
      if (received === 0) {
        first = process.hrtime.bigint();
        firstCpu = process.cpuUsage();
      }
      bytes += m.data.byteLength;
      received++;
    }
  }
  const ns = Number(process.hrtime.bigint() - first);
  const cpu = process.cpuUsage(firstCpu);
  queue.close();
  console.log(JSON.stringify({ count: received, ns, cpuNs: (cpu.user + cpu.system) * 1000, bytes }));
} else if (role === "producer") {
  const size = Number(a);
  const style = b;
  const queue = await MessageQueue.open(name!, { access: "write" });
  const startCpu = process.cpuUsage();
  if (style === "batch") {
    const chunk = 256;
    const batch = Array.from({ length: chunk }, () => Buffer.alloc(size));
    for (let sent = 0; sent < count; sent += chunk) {
      await queue.sendMany(sent + chunk <= count ? batch : batch.slice(0, count - sent));
    }
  } else {
    const message = Buffer.alloc(size);
    for (let i = 0; i < count; i++) await queue.send(message);
  }
  const cpu = process.cpuUsage(startCpu);
  queue.close();
  console.log(JSON.stringify({ cpuNs: (cpu.user + cpu.system) * 1000 }));
}
