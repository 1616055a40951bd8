/**
 * 01-producer: opens an existing queue (its name is the first argument) and sends orders at
 * priority 0 and two urgent messages at higher priorities, while no consumer exists, until
 * the queue is full. Then it exits; the messages stay in the kernel. Each message sent is
 * reported to the parent process, which counts them.
 */

import { childNarrator } from "@ipc-atlas/core";
import { MessageQueue } from "../src/index.ts";

const name = process.argv[2];
if (!name) throw new Error("usage: 01-producer.ts <queue name>");
const narrator = childNarrator("producer");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Sends only: the producer asks for write access.
const queue = await MessageQueue.open(name, { access: "write" });
const plan: Array<[string, number]> = [
  ["order #1", 0],
  ["order #2", 0],
  ["order #3", 0],
  ["URGENT: stop order #2", 9],
  ["order #4", 0],
  ["order #5", 0],
  ["priority order #6", 5],
  ["order #7", 0],
];
for (const [text, priority] of plan) {
  narrator.sayAs("SEND", `"${text}" priority ${priority}`);
  await queue.send(text, { priority });
  narrator.sayAs("SENT", `currentMessages=${queue.attributes().currentMessages}`);
  process.send?.({ sent: text }); // the demo counts what was sent
  await sleep(40);
}
// The queue is full now: a non-blocking send says so instead of waiting.
const accepted = queue.trySend("order #8");
narrator.sayAs(
  "FULL",
  `trySend("order #8") -> ${accepted}: ${queue.maxMessages} of ${queue.maxMessages} slots used, send() would wait`,
);
queue.close();
narrator.sayAs("EXIT", "closing the descriptor; the queue and its messages stay in the kernel");
