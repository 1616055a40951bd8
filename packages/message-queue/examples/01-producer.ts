// A producer process. The queue already exists (the demo created it: 4 slots of 128 bytes);
// this process sends to it while no consumer exists, and exits. Argument: the queue's name.

import { childNarrator } from "@ipc-atlas/core";
import { MessageQueue } from "../src/index.ts";

const say = childNarrator("producer").sayAs;
const queue = await MessageQueue.open(process.argv[2] ?? "", { access: "write" });

// `send` copies the message into the kernel and returns: nobody has to receive it yet. A
// priority puts a message ahead of every message of a lower one.
for (const text of ["order #1", "order #2", "URGENT: stop order #2", "order #3"]) {
  const priority = text.startsWith("URGENT") ? 9 : 0;
  await queue.send(text, { priority });
  say("SENT", `"${text}" priority ${priority}; ${queue.attributes().currentMessages} waiting`);
}

// Every slot is taken now: `send` would wait until a receive frees one (backpressure), and
// `trySend` answers false instead of waiting. Closing the descriptor leaves the queue and
// its messages in the kernel.
say("FULL", `trySend("order #4") -> ${queue.trySend("order #4")}: send() would wait`);
queue.close();
