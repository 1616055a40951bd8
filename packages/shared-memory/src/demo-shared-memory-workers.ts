/**
 * The narrated demo of `shared-memory-workers`: two worker threads, one ring, no messages
 * crossing a port.
 *
 * 1. This thread makes a ring of 64 bytes in a SharedArrayBuffer (two records of 24 bytes fit).
 * 2. A producer thread (examples/01-workers-producer.ts) sends four orders while nobody reads:
 *    two fit, the third finds the ring full and waits in Atomics.waitAsync.
 * 3. Only then a consumer thread (examples/02-workers-consumer.ts) starts; it copies the
 *    waiting records out and frees the space: the producer wakes, sends the rest and closes.
 */

import { type Narrator, spawnThread } from "@ipc-atlas/core";
import { openWorkersRing } from "./shared-memory-workers.ts";

export async function demoWorkers(narrator: Narrator): Promise<void> {
  const bytes = 64;
  const address = openWorkersRing(bytes);
  narrator.say(
    "main",
    "CREATE",
    `a ring of ${bytes} bytes (and a 512-byte header) in one SharedArrayBuffer, posted to both threads`,
  );

  let producerWaits: () => void = () => {};
  const waiting = new Promise<void>((resolve) => {
    producerWaits = resolve;
  });
  const producer = spawnThread(new URL("../examples/01-workers-producer.ts", import.meta.url), {
    data: address,
    narrator: {
      say(actor, event, detail) {
        narrator.say(actor, event, detail);
        if (event === "WAIT") producerWaits();
      },
      note: (text) => narrator.note(text),
    },
  });
  narrator.say("main", "START", "producer thread");
  await Promise.race([waiting, producer.exited]);
  const consumer = spawnThread(new URL("../examples/02-workers-consumer.ts", import.meta.url), {
    data: address,
    narrator,
  });
  narrator.say("main", "START", "consumer thread, once the producer waits");
  const [producerCode, consumerCode] = await Promise.all([producer.exited, consumer.exited]);
  narrator.say(
    "main",
    "EXITED",
    `producer thread code ${producerCode}, consumer thread code ${consumerCode}`,
  );
  if (producerCode !== 0 || consumerCode !== 0) {
    throw producer.error() ?? consumer.error() ?? new Error("a demo thread failed");
  }
  narrator.note("the memory goes away with the last thread that references the buffer; nothing to unlink");
}
