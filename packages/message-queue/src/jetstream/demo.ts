/**
 * The JetStream queue's narrated demo: a producer process stores messages and exits, a
 * consumer process is killed with kill -9 while it holds one unacked, and a second consumer
 * gets the rest — the killed one's message redelivered — so the count at the end says nothing
 * was lost.
 */

import { type Narrator, redactUrl, spawnScript } from "@ipc-atlas/core";
import { addressEnv } from "./connection.ts";
import { JetStreamQueue } from "./queue.ts";

/** The narrated demo: a consumer killed with kill -9 mid-stream, a second one gets the rest, nothing lost. */
export async function demo(narrator: Narrator): Promise<void> {
  const count = 12;
  const killAt = 5;
  const ackWaitMs = 2000;
  const queue = await JetStreamQueue.open({ ackWaitMs });
  const received = new Map<string, number>();
  try {
    narrator.say(
      "queue",
      "OPEN",
      `work-queue stream ${queue.address.stream} on ${queue.address.servers.map(redactUrl).join(", ")} (ack_wait ${ackWaitMs / 1000} s)`,
    );
    narrator.note("The producer runs first and exits: its messages wait in the stream, stored on disk.");
    const producer = spawnScript(new URL("../../examples/03-jetstream-producer.ts", import.meta.url), {
      narrator,
      env: addressEnv(queue.address),
      args: [String(count)],
    });
    await producer.exited;
    const waiting = await queue.info();
    narrator.say(
      "queue",
      "WAIT",
      `${waiting.messages} messages wait in the stream (${count} + END), nobody consumes yet`,
    );

    narrator.note(
      `Consumer A takes messages slowly and acks each when it takes the next; it dies by kill -9 while it processes #${killAt}.`,
    );
    const consumerA = spawnScript(new URL("../../examples/04-jetstream-consumer.ts", import.meta.url), {
      narrator,
      env: addressEnv(queue.address),
      args: ["consumer A", "150"],
    });
    const killed = new Promise<void>((resolve) => {
      consumerA.process.on("message", (m: { received?: string }) => {
        if (!m?.received) return;
        received.set(m.received, (received.get(m.received) ?? 0) + 1);
        if (m.received === `#${killAt}`) {
          consumerA.kill("SIGKILL");
          resolve();
        }
      });
    });
    await Promise.race([
      killed,
      consumerA.exited.then((code) => {
        throw new Error(`consumer A exited (code ${code}) before it took #${killAt}`);
      }),
    ]);
    await consumerA.exited;
    narrator.say("demo", "KILL -9", `consumer A (pid ${consumerA.pid}) before it acked #${killAt}`);
    const after = await queue.info();
    narrator.say(
      "queue",
      "WAIT",
      `${after.messages} messages still in the stream (END included); ${after.ackPending} of them were delivered to A and never acked`,
    );
    narrator.note(
      `The server gives A's unacked messages to another consumer once ack_wait (${ackWaitMs / 1000} s) runs out.`,
    );

    const consumerB = spawnScript(new URL("../../examples/04-jetstream-consumer.ts", import.meta.url), {
      narrator,
      env: addressEnv(queue.address),
      args: ["consumer B", "0"],
    });
    consumerB.process.on("message", (m: { received?: string }) => {
      if (m?.received) received.set(m.received, (received.get(m.received) ?? 0) + 1);
    });
    await consumerB.exited;

    const expected = Array.from({ length: count }, (_, i) => `#${i + 1}`);
    const missing = expected.filter((label) => !received.has(label));
    const duplicates = [...received].filter(([, n]) => n > 1).map(([label]) => label);
    narrator.say(
      "demo",
      "COUNT",
      `${count} sent, ${expected.length - missing.length} distinct received, ${missing.length} lost` +
        (missing.length ? ` (${missing.join(", ")})` : "") +
        `, ${duplicates.length} received twice${duplicates.length ? ` (${duplicates.join(", ")}: A took it, never acked it)` : ""}`,
    );
    narrator.note(
      missing.length === 0
        ? "Nothing lost: at-least-once. A message is gone from the stream only after a consumer acked it."
        : "Messages were lost: that is a bug in this backend.",
    );
  } finally {
    await queue.close();
  }
}
