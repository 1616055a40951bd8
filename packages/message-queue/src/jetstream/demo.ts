/**
 * The JetStream queue's narrated demo: a producer process (examples/03-jetstream-producer.ts)
 * stores messages and exits, a consumer process (examples/04-jetstream-consumer.ts) is killed
 * with kill -9 while it holds one unacked (and a few more it had fetched ahead), and a second
 * consumer gets the rest — the killed one's messages redelivered, after newer ones — so the
 * count at the end says nothing was lost. The demo counts from what the processes report.
 */

import { type ChildHandle, childReady, type Narrator, redactUrl, spawnScript } from "@ipc-atlas/core";
import { addressEnv } from "./connection.ts";
import { JetStreamQueue } from "./queue.ts";

const producerScript = new URL("../../examples/03-jetstream-producer.ts", import.meta.url);
const consumerScript = new URL("../../examples/04-jetstream-consumer.ts", import.meta.url);

/** Calls `onMessage` with each message a consumer process narrates: its label and whether it came again. */
function onReceived(child: ChildHandle, onMessage: (m: { label: string; again: boolean }) => void): void {
  child.process.on("message", (m: { narrate?: { event: string; detail?: string } }) => {
    const report =
      m?.narrate?.event === "RECEIVED" ? /^"(#\d+)"( \(redelivered)?/.exec(m.narrate.detail ?? "") : null;
    if (report) onMessage({ label: report[1]!, again: report[2] !== undefined });
  });
}

/** "#5–#8" for consecutive numbers, "#5, #7" otherwise: the producer's labels are "#<stream sequence>". */
function labels(numbers: number[]): string {
  const consecutive = numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1);
  if (numbers.length > 1 && consecutive) return `#${numbers[0]}–#${numbers.at(-1)}`;
  return numbers.map((n) => `#${n}`).join(", ") || "none";
}

/** The narrated demo: a consumer killed with kill -9 mid-stream, a second one gets the rest, nothing lost. */
export async function demo(narrator: Narrator): Promise<void> {
  const count = 10;
  const killAt = 3;
  const ackWaitMs = 2000;
  const processMs = 150; // consumer A's time per message, so that the kill finds it processing
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
    const producer = spawnScript(producerScript, {
      narrator,
      env: addressEnv(queue.address),
      args: [String(count)],
    });
    const producerCode = await producer.exited;
    if (producerCode !== 0) throw new Error(`the demo producer exited with code ${producerCode}`);
    const waiting = await queue.info();
    narrator.say(
      "queue",
      "WAIT",
      `${waiting.messages} messages in the stream (${count} + END); the producer has exited, no consumer is attached`,
    );

    // Both consumer processes start now and attach only when told: starting a process can take
    // longer than ack_wait on a busy machine, attaching takes milliseconds, and the story below
    // depends on when B attaches.
    const start = (actor: string, ms: number) => {
      const child = spawnScript(consumerScript, {
        narrator,
        env: addressEnv(queue.address),
        args: [actor, String(ms)],
      });
      const ready = childReady(child, actor);
      children.push(child);
      return { child, ready, go: () => child.process.send({ go: true }) };
    };
    const a = start("consumer A", processMs);
    const b = start("consumer B", 0);
    const consumerA = a.child;
    const consumerB = b.child;
    const killed = new Promise<void>((resolve) => {
      onReceived(consumerA, ({ label }) => {
        received.set(label, (received.get(label) ?? 0) + 1);
        if (label === `#${killAt}`) {
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
      `${after.messages} messages in the stream; ${after.ackPending} of them delivered to A and never acked: ` +
        `#${killAt}, which A was processing, and ${labels(fetchedAhead)}, fetched ahead and never shown to A's code`,
    );
    narrator.note(
      `Prefetch: A's client had pulled up to ${prefetch} messages ahead of A's loop, and the server counts them as A's. ` +
        `They go to another consumer once ack_wait (${ackWaitMs / 1000} s) runs out; messages nobody was given go out at once.`,
    );

    const toB: Array<{ n: number; again: boolean }> = [];
    onReceived(consumerB, ({ label, again }) => {
      received.set(label, (received.get(label) ?? 0) + 1);
      toB.push({ n: number(label), again });
    });
    b.go();
    const consumerCode = await consumerB.exited;
    if (consumerCode !== 0) throw new Error(`consumer B exited with code ${consumerCode}`);
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
      "Redelivered messages come after newer ones: they wait for ack_wait, the others do not. " +
        "Stream order holds only while no consumer dies.",
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
        ? "Nothing lost: at-least-once. A message leaves the stream only once a consumer acked it."
        : "Messages were lost: that is a bug in this backend.",
    );
  } finally {
    // A consumer still waiting for its go (after a failure above) would wait forever.
    for (const child of children) if (child.process.exitCode === null) child.kill("SIGKILL");
    await queue.close();
  }
}
