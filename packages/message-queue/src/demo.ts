/**
 * The narrated demo of the `message-queues` variant: what makes a queue a queue, and what
 * at-most-once means.
 *
 * 1. This process creates a queue (8 messages deep) and nobody is attached to it.
 * 2. A producer process starts first, sends while no consumer exists — ordinary messages at
 *    priority 0 and two urgent ones at higher priorities — until the queue is full, and exits.
 * 3. The messages wait in the kernel: currentMessages says how many, though no process is
 *    on either end.
 * 4. Consumer A starts later, receives the most urgent message, and is killed (SIGKILL) while
 *    it handles it: the receive took the message out of the kernel, so it is lost.
 * 5. Consumer B drains the rest: the priority message overtakes the others. The demo counts what
 *    was sent and what was received, and names what was lost.
 * 6. Every process is gone and the queue still exists, until it is unlinked.
 */

import { type Narrator, spawnScript } from "@ipc-atlas/core";
import { uniqueQueueName } from "./message-queues.ts";
import { MessageQueue } from "./posix-queue.ts";

export async function runDemo(narrator: Narrator): Promise<void> {
  const name = uniqueQueueName("ipc-atlas-demo");
  // Create the queue and let go of it at once: from here on no process needs to hold it.
  MessageQueue.openSync(name, { exclusive: true, mode: 0o600, maxMessages: 8, messageSize: 128 }).close();
  const currentMessages = () => {
    const peek = MessageQueue.openSync(name, { access: "read" });
    const waiting = peek.attributes().currentMessages;
    peek.close();
    return waiting;
  };
  try {
    narrator.say("demo", "CREATE", `${name} (maxMessages 8, messageSize 128, mode 0600), then close it`);
    narrator.note("a POSIX message queue lives in the kernel, not in a process; no consumer exists yet");

    const sent: string[] = [];
    const producer = spawnScript(new URL("../examples/01-producer.ts", import.meta.url), {
      narrator,
      args: [name],
    });
    producer.process.on("message", (m: { sent?: string }) => m?.sent && sent.push(m.sent));
    narrator.say("demo", "START", `producer process (pid ${producer.pid})`);
    const producerCode = await producer.exited;
    narrator.say("demo", "EXITED", `producer process, code ${producerCode}`);
    if (producerCode !== 0) throw new Error(`the demo producer exited with code ${producerCode}`);
    narrator.say(
      "kernel",
      "HOLDS",
      `currentMessages=${currentMessages()} in ${name}; no producer or consumer process is running`,
    );
    narrator.note("the messages wait in the kernel until somebody receives them");

    // Consumer A takes 10 s over each message; it is killed as soon as it has received one.
    const consumerA = spawnScript(new URL("../examples/02-consumer.ts", import.meta.url), {
      narrator,
      args: [name, "consumer A", "10000"],
    });
    narrator.say("demo", "START", `consumer A (pid ${consumerA.pid}), later; it handles each message slowly`);
    const takenByA: string[] = [];
    consumerA.process.on("message", (m: { received?: string }) => {
      if (!m?.received) return;
      takenByA.push(m.received);
      consumerA.kill("SIGKILL");
    });
    await consumerA.exited;
    narrator.say(
      "demo",
      "KILL -9",
      `consumer A (pid ${consumerA.pid}) while it handled ${takenByA.length} message`,
    );
    narrator.say(
      "kernel",
      "HOLDS",
      `currentMessages=${currentMessages()}: the receive took A's message out of the kernel`,
    );

    const receivedByB: string[] = [];
    const consumerB = spawnScript(new URL("../examples/02-consumer.ts", import.meta.url), {
      narrator,
      args: [name, "consumer B"],
    });
    consumerB.process.on(
      "message",
      (m: { received?: string }) => m?.received && receivedByB.push(m.received),
    );
    narrator.say("demo", "START", `consumer B (pid ${consumerB.pid})`);
    const consumerCode = await consumerB.exited;
    narrator.say("demo", "EXITED", `consumer B, code ${consumerCode}`);
    if (consumerCode !== 0) throw new Error(`the demo consumer exited with code ${consumerCode}`);

    // Counted, not claimed: what was sent against what a living consumer received.
    const lost = sent.filter((text) => !receivedByB.includes(text));
    const twice = receivedByB.filter((text) => takenByA.includes(text));
    const why = (text: string) => (takenByA.includes(text) ? ": consumer A received it, then died" : "");
    narrator.say(
      "demo",
      "COUNT",
      `${sent.length} sent, ${receivedByB.length} received by consumer B, ${lost.length} lost` +
        (lost.length ? ` (${lost.map((text) => JSON.stringify(text) + why(text)).join(", ")})` : "") +
        `, ${twice.length} received twice`,
    );
    narrator.note(
      "at-most-once: a receive removes the message, so a consumer that dies after it loses that message",
    );

    const stillThere = MessageQueue.exists(name);
    narrator.say(
      "kernel",
      stillThere ? "EXISTS" : "GONE",
      `${name} ${stillThere ? "still exists" : "is gone"} after every process exited`,
    );
    narrator.note("a queue outlives its processes until it is unlinked (or the machine reboots)");
    await MessageQueue.unlink(name);
    narrator.say("demo", "UNLINK", `${name}; exists now: ${MessageQueue.exists(name)}`);
  } finally {
    await MessageQueue.unlink(name);
  }
}
