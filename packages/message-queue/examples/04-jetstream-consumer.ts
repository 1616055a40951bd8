/**
 * 04-jetstream-consumer: the JetStream demo's consumer process: takes messages one by one,
 * "processes" each for a while, and acks it when it takes the next, with explicit acks. Every
 * message it takes is reported to the parent, which counts them. Role: consumer; endpoint: the
 * queue's address (JSON in IPC_ATLAS_ADDRESS, never argv: it holds the token); arguments: its
 * name, the processing time in ms, and "on-go" to attach only when the parent says go.
 */

import { childNarrator, waitForGo } from "@ipc-atlas/core";
import { addressFromEnv, JetStreamQueue } from "../src/jetstream/index.ts";

const [actor = "consumer", processMsText = "0", start = "now"] = process.argv.slice(2);
const address = addressFromEnv();
const processMs = Number(processMsText);
const narrator = childNarrator(actor);

// "on-go": started ahead of time, attach only when the parent says go (a process takes far
// longer to start than to attach, and the demo needs to know when this one attaches).
if (start === "on-go") {
  const go = waitForGo();
  process.send?.({ ready: true });
  await go;
}
// A small prefetch, so that the demo shows both pulled-ahead and in-hand messages.
const consumer = await JetStreamQueue.consumer(address, { prefetch: 4 });
narrator.sayAs("READY", `attached to durable consumer "${address.consumer}" (pid ${process.pid})`);
let taken = 0;
// Receive with explicit acks: this loop acks the previous message before it takes the next.
let previous: Awaited<ReturnType<typeof consumer.receive>> = null;
for (;;) {
  if (previous) await previous.ack();
  const delivery = await consumer.receive();
  if (!delivery) break;
  previous = delivery;
  taken++;
  const text = Buffer.from(delivery.data).toString();
  const how = delivery.redelivered ? ` (redelivered: delivery ${delivery.deliveryCount})` : "";
  narrator.sayAs("RECEIVED", `${JSON.stringify(text)}${how}`);
  process.send?.({ received: text, redelivered: delivery.redelivered });
  if (processMs > 0) await new Promise((r) => setTimeout(r, processMs));
}
narrator.sayAs("END", `the producer's END marker; ${taken} messages taken, each acked`);
await consumer.close();
process.disconnect?.();
