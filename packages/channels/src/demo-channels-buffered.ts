/** The narrated demo of channels-buffered, in one process. */

import type { Narrator } from "@ipc-atlas/core";
import { Channel } from "./channel.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Go's "sender fast, receiver slow": ticks are sent every 50 ms into a channel of 4 slots; the
 * receiver wakes every 400 ms, takes what has piled up and keeps only the latest.
 */
export async function demoBuffered(narrator: Narrator): Promise<void> {
  const ticks = 12;
  const ch = new Channel<string>(4);
  const show = () => `len ${ch.length}/cap ${ch.capacity}`;
  narrator.note(
    `ch := make(chan string, ${ch.capacity}) — the producer sends every 50 ms, the consumer wakes every 400 ms`,
  );

  const producer = (async () => {
    for (let i = 1; i <= ticks; i++) {
      const tick = `#${i}`;
      // trySend is Go's select with default: it tells whether this send would have to wait.
      if (ch.trySend(tick)) {
        narrator.say("producer", "SENT", `${tick} into the buffer (${show()})`);
      } else {
        narrator.say("producer", "WAIT", `${tick}: the buffer is full (${show()}), send blocks`);
        const started = Date.now();
        await ch.send(tick);
        await new Promise((resolve) => setImmediate(resolve)); // let the consumer finish its line first
        narrator.say("producer", "SENT", `${tick} after waiting ${Date.now() - started} ms (${show()})`);
      }
      await sleep(50);
    }
    ch.close();
    narrator.say("producer", "CLOSE", "close(ch): no more sends; the buffer can still be drained");
  })();

  const consumer = (async () => {
    for (;;) {
      await sleep(400);
      const waiting = ch.peekBuffered();
      narrator.say("consumer", "WAKE", `buffer holds ${waiting.join(" ") || "nothing"} (${show()})`);
      // Take what was waiting at wake-up; a blocked sender refills the slot as soon as one frees.
      let latest: string | undefined;
      for (let n = 0; n < waiting.length; n++) {
        const result = ch.tryReceive();
        if (!result?.ok) break;
        latest = result.value;
        narrator.say("consumer", "RECEIVED", result.value);
      }
      if (latest !== undefined) {
        const older = waiting.length - 1;
        narrator.say(
          "consumer",
          "LATEST",
          `${latest}${older > 0 ? ` (${older} older tick${older > 1 ? "s" : ""} only received, not used)` : ""}`,
        );
      }
      if (ch.closed && ch.length === 0) {
        narrator.say("consumer", "END", "the channel is closed and drained: receive gives ok=false");
        return;
      }
    }
  })();

  await Promise.all([producer, consumer]);
}
