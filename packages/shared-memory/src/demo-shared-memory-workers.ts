/**
 * The narrated demo of `shared-memory-workers`: two worker threads, one ring, no messages
 * crossing a port.
 *
 * 1. This thread makes a ring of 128 bytes in a SharedArrayBuffer (five records of 24 bytes fill it).
 * 2. A producer thread starts and sends eight orders while nobody reads: five fit, the sixth
 *    finds the ring full and waits — in Atomics.waitAsync, so its event loop keeps running
 *    (a 10 ms timer counts the ticks).
 * 3. A consumer thread starts later, copies the waiting records out in one batch and hands the
 *    space back: the producer wakes, sends the rest and closes; the consumer's iteration ends.
 */

import { type Narrator, spawnThread } from "@ipc-atlas/core";
import { openWorkersRing } from "./shared-memory-workers.ts";

export async function demoWorkers(narrator: Narrator): Promise<void> {
  const bytes = 128;
  const address = openWorkersRing(bytes);
  narrator.say("main", "CREATE", `a ring of ${bytes} bytes in a SharedArrayBuffer (512 more for the header)`);
  narrator.note(
    "the address is the buffer itself: posting it to a worker shares the memory, it is not copied",
  );

  // The consumer comes once the producer has filled the ring and waits.
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
