// A consumer process, started after the producer has exited: the messages are still in the
// kernel, though no process held the queue meanwhile. Arguments: the queue's name, this
// consumer's name, and how long it handles each message (ms).

import { setTimeout as handle } from "node:timers/promises";
import { childNarrator, preview } from "@ipc-atlas/core";
import { MessageQueue } from "../src/index.ts";

const [name = "", actor = "consumer", handleMs = "0"] = process.argv.slice(2);
const say = childNarrator(actor).sayAs;
const queue = await MessageQueue.open(name, { access: "read" });

// Each receive hands over the oldest message of the highest priority and removes it from the
// kernel: from then on it exists only in this process, and is lost if this process dies
// before it is handled (at-most-once). `tryReceive` returns undefined once the queue is
// empty; `receive` would wait for the next message instead.
for (let message = queue.tryReceive(); message; message = queue.tryReceive()) {
  say("RECEIVED", `${preview(message.data)} priority ${message.priority}`);
  await handle(Number(handleMs));
}
queue.close();
