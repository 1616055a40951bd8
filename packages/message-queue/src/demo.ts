/**
 * The narrated demo of the `message-queues` variant: what makes a queue a queue.
 *
 * 1. This process creates a queue (8 messages deep) and nobody is attached to it.
 * 2. A producer process starts first, sends while no consumer exists — ordinary messages at
 *    priority 0 and two urgent ones at higher priorities — until the queue is full, and exits.
 * 3. The messages wait in the kernel: currentMessages says how many, though no process is
 *    on either end.
 * 4. A consumer process starts later and drains them: the urgent messages overtake the others.
 * 5. Both processes are gone and the queue still exists, until it is unlinked.
 */

import { type Narrator, spawnScript } from "@ipc-atlas/core";
import { uniqueQueueName } from "./message-queues.ts";
import { MessageQueue } from "./posix-queue.ts";

export async function runDemo(narrator: Narrator): Promise<void> {
  const name = uniqueQueueName("ipc-atlas-demo");
  // Create the queue and let go of it at once: from here on no process needs to hold it.
  MessageQueue.openSync(name, { exclusive: true, mode: 0o600, maxMessages: 8, messageSize: 128 }).close();
  try {
    narrator.say("demo", "CREATE", `${name} (maxMessages 8, messageSize 128, mode 0600), then close it`);
    narrator.note("a POSIX message queue lives in the kernel, not in a process; no consumer exists yet");

    const producer = spawnScript(new URL("../examples/01-producer.ts", import.meta.url), {
      narrator,
      args: [name],
    });
    narrator.say("demo", "START", `producer process (pid ${producer.pid})`);
    const producerCode = await producer.exited;
    narrator.say("demo", "EXITED", `producer process, code ${producerCode}`);
    if (producerCode !== 0) throw new Error(`the demo producer exited with code ${producerCode}`);

    const peek = MessageQueue.openSync(name, { access: "read" });
    const waiting = peek.attributes().currentMessages;
    peek.close();
    narrator.say(
      "kernel",
      "HOLDS",
      `currentMessages=${waiting} in ${name}; no producer or consumer process is running`,
    );
    narrator.note("the messages wait in the kernel until somebody receives them");

    const consumer = spawnScript(new URL("../examples/02-consumer.ts", import.meta.url), {
      narrator,
      args: [name],
    });
    narrator.say("demo", "START", `consumer process (pid ${consumer.pid}), later`);
    const consumerCode = await consumer.exited;
    narrator.say("demo", "EXITED", `consumer process, code ${consumerCode}`);
    if (consumerCode !== 0) throw new Error(`the demo consumer exited with code ${consumerCode}`);

    const stillThere = MessageQueue.exists(name);
    narrator.say(
      "kernel",
      stillThere ? "EXISTS" : "GONE",
      `${name} ${stillThere ? "still exists" : "is gone"} after both processes exited`,
    );
    narrator.note("a queue outlives its processes until it is unlinked (or the machine reboots)");
    await MessageQueue.unlink(name);
    narrator.say("demo", "UNLINK", `${name}; exists now: ${MessageQueue.exists(name)}`);
  } finally {
    await MessageQueue.unlink(name);
  }
}
