/**
 * 07-jetstream-failover-consumer: the failover demo's consumer process: takes numbered messages
 * with `receive()`, acks each (the ack is confirmed by the server), and keeps the books: which
 * numbers it has seen, how many came again with the server's "redelivered" flag (a redelivery
 * the application is told about), how many came again without it (a duplicate nobody announced),
 * and the longest time it went without a message. Reports progress every 100 ms and the books at
 * the END. Role: consumer; endpoint: the queue's address (JSON in IPC_ATLAS_ADDRESS, never argv:
 * it holds the token); argument: N.
 */

import { addressFromEnv, JetStreamQueue } from "../src/jetstream/index.ts";

const [countText = "20000"] = process.argv.slice(2);
const address = addressFromEnv();
const count = Number(countText);

const consumer = await JetStreamQueue.consumer(address, { prefetch: 128 });
process.send?.({ ready: true });
const seen = new Uint8Array(count);
let distinct = 0;
let redelivered = 0;
let unannounced = 0;
let outOfOrder = 0;
let highest = -1;
let ackFailures = 0;
let last = performance.now();
let longestGap = { ms: 0, afterDistinct: 0 };
const progress = setInterval(() => process.send?.({ progress: { distinct } }), 100);

// Acks are confirmed by the server; up to 64 are awaited at once so the loop keeps taking.
const acks: Promise<void>[] = [];
for (;;) {
  const delivery = await consumer.receive();
  if (!delivery) break;
  const now = performance.now();
  if (now - last > longestGap.ms) longestGap = { ms: now - last, afterDistinct: distinct };
  last = now;
  const seq = Buffer.from(delivery.data).readUInt32BE(0);
  if (seen[seq]) {
    if (delivery.redelivered) redelivered++;
    else unannounced++;
  } else {
    seen[seq] = 1;
    distinct++;
    // A first delivery behind a later number, not flagged as a redelivery: the order was lost.
    if (seq < highest && !delivery.redelivered) outOfOrder++;
    highest = Math.max(highest, seq);
  }
  acks.push(
    delivery.ack().catch(() => {
      ackFailures++; // the server will redeliver it, flagged
    }),
  );
  if (acks.length >= 64) await acks.shift();
}
await Promise.all(acks);
clearInterval(progress);
await consumer.close();
const missing: number[] = [];
for (let i = 0; i < count; i++) if (!seen[i]) missing.push(i);
const report = {
  distinct,
  redelivered,
  unannounced,
  outOfOrder,
  ackFailures,
  missing,
  longestGapMs: longestGap.ms,
  gapAfterDistinct: longestGap.afterDistinct,
};
process.send?.({ done: report }, () => process.exit(0));
