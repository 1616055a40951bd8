// A consumer process: it attaches to the queue's durable consumer, which every consumer
// process shares, and processes messages one at a time. Endpoint: the queue's address (JSON in
// IPC_ATLAS_ADDRESS); arguments: this consumer's name and how long each message takes (ms).

import { setTimeout as processing } from "node:timers/promises";
import { childNarrator } from "@ipc-atlas/core";
import { whenTheDemoSaysGo } from "../src/demo-support.ts";
import { addressFromEnv, JetStreamQueue } from "../src/jetstream/index.ts";

const [actor = "consumer", processMs = "0"] = process.argv.slice(2);
const say = childNarrator(actor).sayAs;
await whenTheDemoSaysGo(); // started by the demo: attach when it says so; by hand: at once

// Prefetch: the client pulls up to 4 messages ahead of the loop below, and the server counts
// them as delivered to this consumer, unacked, though the loop has not seen them. The loop acks
// a message once it is processed. If this process dies first (kill -9 included), that message
// and those fetched ahead stay unacked, and when ack_wait runs out the server delivers them
// again, to another consumer: at-least-once. `receive` returns null after the producer's END.
const consumer = await JetStreamQueue.consumer(addressFromEnv(), { prefetch: 4 });
for (let m = await consumer.receive(); m; m = await consumer.receive()) {
  const again = m.redelivered ? ` (redelivered: delivery ${m.deliveryCount})` : "";
  say("RECEIVED", `"${Buffer.from(m.data)}"${again}`);
  await processing(Number(processMs));
  await m.ack();
}
await consumer.close();
