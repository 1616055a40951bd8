/** The narrated demo of channels-unbuffered, in one process. */

import type { Narrator } from "@ipc-atlas/core";
import { Channel } from "./channel.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Each send waits for the receiver: the consumer is slow for the first two messages (the
 * producer visibly blocks), then is already waiting for the third (the send completes at once).
 */
export async function demoUnbuffered(narrator: Narrator): Promise<void> {
  const ch = new Channel<string>(0);
  narrator.note("ch := make(chan string) — no buffer: a send completes only when a receiver takes the value");
  const messages = ['#1 "ping"', '#2 "pong"', '#3 "done"'];

  const producer = (async () => {
    for (const [i, message] of messages.entries()) {
      await sleep(i === 2 ? 300 : 10); // before #3 the consumer gets there first
      narrator.say("producer", "SEND", message);
      if (ch.trySend(message)) {
        narrator.say("producer", "SENT", `${message} at once: the consumer was already waiting`);
        continue;
      }
      narrator.say("producer", "WAIT", `${message}: nobody is receiving, the send blocks`);
      const started = Date.now();
      await ch.send(message);
      const waited = Date.now() - started;
      // Both sides complete at the same instant; let the consumer say so first.
      await new Promise((resolve) => setImmediate(resolve));
      narrator.say("producer", "SENT", `${message} taken by the consumer after ${waited} ms`);
    }
    ch.close();
    narrator.say("producer", "CLOSE", "close(ch)");
  })();

  const consumer = (async () => {
    for (const delay of [500, 500, 0]) {
      if (delay > 0) {
        narrator.say("consumer", "BUSY", `for ${delay} ms before the next receive`);
        await sleep(delay);
      }
      if (ch.waitingSenders === 0) narrator.say("consumer", "WAIT", "receive blocks: no sender yet");
      const result = await ch.receive();
      if (!result.ok) break;
      narrator.say("consumer", "RECEIVED", result.value);
    }
    const end = await ch.receive();
    narrator.say("consumer", "END", `receive gives ok=${end.ok}: the channel is closed`);
  })();

  await Promise.all([producer, consumer]);
}
