/**
 * 06-jetstream-failover-producer: the failover demo's producer process: sends N numbered
 * messages (a 4-byte number, padded to 64 bytes) without awaiting each one — up to 256 sends
 * pending, pipelined by the producer's window — and counts those the server acknowledged. It
 * reports its progress to the parent every 100 ms and, at the end, the longest time it went
 * without an acknowledgement. Role: producer; endpoint: the queue's address (JSON in
 * IPC_ATLAS_ADDRESS, never argv: it holds the token); argument: N.
 */

import { addressFromEnv, JetStreamQueue } from "../src/jetstream/index.ts";

const [countText = "20000"] = process.argv.slice(2);
const address = addressFromEnv();
const count = Number(countText);
const PENDING = 256;

// Connect to the cluster (any node; the client learns the others and fails over to them).
const producer = await JetStreamQueue.producer(address);
let acked = 0;
const failed: number[] = [];
let lastAck = performance.now();
let longestGap = { ms: 0, afterAcked: 0 };
const progress = setInterval(() => process.send?.({ progress: { acked } }), 100);

// Each send resolves when the stream stored the message: that is "acknowledged".
const pending: Promise<void>[] = [];
for (let seq = 0; seq < count; seq++) {
  const message = Buffer.alloc(64);
  message.writeUInt32BE(seq, 0);
  const sending = producer.send(message).then(
    () => {
      const now = performance.now();
      if (now - lastAck > longestGap.ms) longestGap = { ms: now - lastAck, afterAcked: acked };
      lastAck = now;
      acked++;
    },
    () => {
      failed.push(seq);
    },
  );
  pending.push(sending);
  if (pending.length >= PENDING) await pending.shift();
}
await Promise.all(pending);
clearInterval(progress);
// END after the last message; close() waits until it is stored.
await producer.close();
const report = {
  acked,
  failed,
  longestGapMs: longestGap.ms,
  gapAfterAcked: longestGap.afterAcked,
  ...producer.stats,
};
process.send?.({ done: report }, () => process.exit(0));
