/**
 * The JetStream queue's narrated demo: a producer process stores messages and exits, a
 * consumer process is killed with kill -9 while it holds one unacked (and a few more it had
 * fetched ahead), and a second consumer gets the rest — the killed one's messages redelivered,
 * after newer ones — so the count at the end says nothing was lost.
 */

import { type Narrator, redactUrl, spawnScript } from "@ipc-atlas/core";
import { addressEnv } from "./connection.ts";
import { JetStreamQueue } from "./queue.ts";

/** "#5–#8" for consecutive numbers, "#5, #7" otherwise: the producer's labels are "#<stream sequence>". */
function labels(numbers: number[]): string {
  const consecutive = numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1);
  if (numbers.length > 1 && consecutive) return `#${numbers[0]}–#${numbers.at(-1)}`;
  return numbers.map((n) => `#${n}`).join(", ") || "none";
}

/** The narrated demo: a consumer killed with kill -9 mid-stream, a second one gets the rest, nothing lost. */
export async function demo(narrator: Narrator): Promise<void> {
  const count = 12;
  const killAt = 5;
  const ackWaitMs = 2000;
  const prefetch = 4; // 04-jetstream-consumer.ts asks for it
  const queue = await JetStreamQueue.open({ ackWaitMs });
  const received = new Map<string, number>();
  const number = (label: string) => Number(label.slice(1));
  const children: ReturnType<typeof spawnScript>[] = [];
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
    narrator.note(
      `Prefetch: A's client pulls up to ${prefetch} messages ahead of what A's code has taken, so the next one is already there. ` +
        "The server counts them as delivered to A, unacked, though A's code has not seen them.",
    );
    // Both consumer processes start now and attach only when told: starting a process can take
    // longer than ack_wait on a busy machine, attaching takes milliseconds, and the story below
    // depends on when B attaches.
    const start = (actor: string, processMs: string) => {
      const child = spawnScript(new URL("../../examples/04-jetstream-consumer.ts", import.meta.url), {
        narrator,
        env: addressEnv(queue.address),
        args: [actor, processMs, "on-go"],
      });
      const ready = new Promise<void>((resolve) =>
        child.process.on("message", (m: { ready?: boolean }) => m?.ready && resolve()),
      );
      children.push(child);
      return { child, ready, go: () => child.process.send({ go: true }) };
    };
    const a = start("consumer A", "150");
    const b = start("consumer B", "0");
    const consumerA = a.child;
    const consumerB = b.child;
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
    await Promise.all([a.ready, b.ready]);
    a.go();
    await Promise.race([
      killed,
      consumerA.exited.then((code) => {
        throw new Error(`consumer A exited (code ${code}) before it took #${killAt}`);
      }),
    ]);
    await consumerA.exited;
    narrator.say("demo", "KILL -9", `consumer A (pid ${consumerA.pid}) before it acked #${killAt}`);
    const after = await queue.info();
    const fetchedAhead = Array.from({ length: after.deliveredUpTo - killAt }, (_, i) => killAt + 1 + i);
    narrator.say(
      "queue",
      "WAIT",
      `${after.messages} messages still in the stream (END included); ${after.ackPending} of them were delivered to A and never acked: ` +
        `#${killAt}, which A was processing, and ${labels(fetchedAhead)}, fetched ahead and never shown to A's code`,
    );
    narrator.note(
      `The server gives A's unacked messages to another consumer once ack_wait (${ackWaitMs / 1000} s) runs out; ` +
        "what nobody was given yet can go out at once.",
    );

    b.go();
    const toB: Array<{ n: number; again: boolean }> = [];
    consumerB.process.on("message", (m: { received?: string; redelivered?: boolean }) => {
      if (!m?.received) return;
      received.set(m.received, (received.get(m.received) ?? 0) + 1);
      toB.push({ n: number(m.received), again: m.redelivered === true });
    });
    await consumerB.exited;
    // The order B saw, from its own reports, in runs: first deliveries and redeliveries.
    const runs: Array<{ again: boolean; numbers: number[] }> = [];
    for (const { n, again } of toB) {
      if (runs.at(-1)?.again === again) runs.at(-1)!.numbers.push(n);
      else runs.push({ again, numbers: [n] });
    }
    narrator.say(
      "demo",
      "ORDER",
      `consumer B got ${runs.map((r) => `${labels(r.numbers)} (${r.again ? "A's, redelivered" : "first deliveries"})`).join(", then ")}`,
    );
    narrator.note(
      "A redelivered message comes after newer ones: it goes out again only when its ack_wait runs out, " +
        "while the messages nobody was given go out at once. Stream order holds only while no consumer dies.",
    );

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
    // A consumer still waiting for its go (after a failure above) would wait forever.
    for (const child of children) if (child.process.exitCode === null) child.kill("SIGKILL");
    await queue.close();
  }
}
