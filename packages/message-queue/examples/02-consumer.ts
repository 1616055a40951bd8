/**
 * 02-consumer: started after the producer has exited; opens the queue (its name is the first
 * argument) and receives every message that waits there. The highest priority comes first;
 * within a priority, the order they were sent in. Each message is reported to the parent
 * process, which counts them. With a handling time (third argument, in ms) it takes that long
 * over each message: the demo kills such a consumer while it handles its first one.
 */

import { childNarrator, preview } from "@ipc-atlas/core";
import { MessageQueue } from "../src/index.ts";

const [name, actor = "consumer", handleMsText = "0"] = process.argv.slice(2);
if (!name) throw new Error("usage: 02-consumer.ts <queue name> [actor] [handling ms]");
const narrator = childNarrator(actor);
const handleMs = Number(handleMsText);

// Receives only: the consumer asks for read access.
const queue = await MessageQueue.open(name, { access: "read" });
narrator.sayAs("OPEN", `${name}: currentMessages=${queue.attributes().currentMessages} waiting for me`);
for (;;) {
  // receive() waits on the event loop when the queue is empty; 200 ms with nothing more means done.
  const message = await queue.receive({ timeoutMs: 200 }).catch(() => undefined);
  if (!message) break;
  // From here the message exists only in this process: the kernel gave it away.
  // Received bytes go through preview(): never raw to the terminal (control characters, size).
  narrator.sayAs("RECEIVED", `${preview(message.data)} priority ${message.priority}`);
  process.send?.({ received: message.data.toString() });
  if (handleMs > 0) await new Promise((resolve) => setTimeout(resolve, handleMs));
}
narrator.sayAs("EMPTY", `currentMessages=${queue.attributes().currentMessages}; exiting`);
queue.close();
process.disconnect?.();
