/**
 * The narrated demo of the `message-queues` variant: what makes a queue a queue, and what
 * at-most-once means. Its two programs are examples/01-producer.ts and examples/02-consumer.ts;
 * this file starts them as separate processes, kills one, and counts.
 *
 * 1. This process creates a queue of 4 slots × 128 bytes and lets go of it.
 * 2. The producer process sends while no consumer exists (an urgent message among ordinary
 *    ones) until the queue is full, and exits.
 * 3. The messages wait in the kernel with no process on either end.
 * 4. Consumer A receives the most urgent message and is killed (SIGKILL) while it handles it:
 *    the receive took the message out of the kernel, so it is lost.
 * 5. Consumer B drains the rest. The demo counts what was sent against what was received and
 *    names what was lost, from what the processes reported.
 * 6. Every process is gone and the queue still exists, until it is unlinked.
 */

import { type ChildHandle, type Narrator, spawnScript } from "@ipc-atlas/core";
import { uniqueQueueName } from "./message-queues.ts";
import { MessageQueue } from "./posix-queue.ts";

const producerScript = new URL("../examples/01-producer.ts", import.meta.url);
const consumerScript = new URL("../examples/02-consumer.ts", import.meta.url);
const slots = 4;
const slotSize = 128;

/** Calls `onText` with the quoted message text of each `event` line the child narrates. */
function onNarrated(child: ChildHandle, event: string, onText: (text: string) => void): void {
  child.process.on("message", (m: { narrate?: { event: string; detail?: string } }) => {
    const quoted = m?.narrate?.event === event ? /^"(?:[^"\\]|\\.)*"/.exec(m.narrate.detail ?? "") : null;
    if (quoted) onText(JSON.parse(quoted[0]) as string);
  });
}

export async function runDemo(narrator: Narrator): Promise<void> {
  const name = uniqueQueueName("ipc-atlas-demo");
  // Create the queue and let go of it at once: from here on no process needs to hold it.
  MessageQueue.openSync(name, {
    exclusive: true,
    mode: 0o600,
    maxMessages: slots,
    messageSize: slotSize,
  }).close();
  const waiting = () => {
    const peek = MessageQueue.openSync(name, { access: "read" });
    const count = peek.attributes().currentMessages;
    peek.close();
    return count;
  };
  try {
    narrator.say(
      "demo",
      "CREATE",
      `${name}: mq_maxmsg ${slots} × mq_msgsize ${slotSize} bytes, mode 0600; nobody holds it`,
    );

    const sent: string[] = [];
    const producer = spawnScript(producerScript, { narrator, args: [name] });
    onNarrated(producer, "SENT", (text) => sent.push(text));
    const producerCode = await producer.exited;
    if (producerCode !== 0) throw new Error(`the demo producer exited with code ${producerCode}`);
    narrator.say("kernel", "HOLDS", `${waiting()} messages; the producer has exited, no consumer exists yet`);

    // Consumer A takes 10 s over each message; it is killed as soon as it reports one.
    const takenByA: string[] = [];
    const consumerA = spawnScript(consumerScript, { narrator, args: [name, "consumer A", "10000"] });
    narrator.say("demo", "START", `consumer A (pid ${consumerA.pid}); it handles each message for 10 s`);
    onNarrated(consumerA, "RECEIVED", (text) => {
      takenByA.push(text);
      consumerA.kill("SIGKILL");
    });
    await consumerA.exited;
    narrator.say(
      "demo",
      "KILL -9",
      `consumer A while it handled ${takenByA.map((t) => `"${t}"`).join(", ")}`,
    );
    narrator.say("kernel", "HOLDS", `${waiting()} messages: A's receive had taken its message out`);

    const receivedByB: string[] = [];
    const consumerB = spawnScript(consumerScript, { narrator, args: [name, "consumer B"] });
    narrator.say("demo", "START", `consumer B (pid ${consumerB.pid})`);
    onNarrated(consumerB, "RECEIVED", (text) => receivedByB.push(text));
    const consumerCode = await consumerB.exited;
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
    narrator.note("at-most-once: a receive removes the message, so a consumer that dies after it loses it");

    const stillThere = MessageQueue.exists(name);
    narrator.say("kernel", stillThere ? "EXISTS" : "GONE", `${name}, with every process gone`);
    await MessageQueue.unlink(name);
    narrator.say("demo", "UNLINK", `${name}; exists now: ${MessageQueue.exists(name)}`);
  } finally {
    await MessageQueue.unlink(name);
  }
}
