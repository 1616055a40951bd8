// 01-unbuffered: a rendezvous. A channel of capacity 0 has no room for a value, so a send ends
// only when a receiver takes the value. The receiver is busy for the first two values, so the
// sender waits; for the third the receiver is there first, so that send ends at once.
// The demo runs this program on a worker thread; `node --import tsx` runs it here.

import { narrate, sleep } from "../src/demo-support.ts";
import { Channel } from "../src/index.ts";

const producer = narrate("producer");
const consumer = narrate("consumer");

// `new Channel(0)` is Go's `make(chan string)`: no buffer at all.
const ch = new Channel<string>(0);

// With no receiver waiting, an unbuffered send has nowhere to put the value: it waits, and the
// time it takes is the time until a receiver comes.
const sending = (async () => {
  for (const value of ["ping", "pong", "done"]) {
    if (value === "done") await sleep(300); // the receiver gets there first this time
    if (ch.waitingReceivers === 0) producer("WAIT", `send("${value}"): no receiver yet`);
    const started = Date.now();
    await ch.send(value);
    producer("SENT", `"${value}": a receiver took it after ${Date.now() - started} ms`);
  }
  ch.close();
})();

// The receiver is busy for 500 ms before each of its first two receives, then receives at once.
for (const busy of [500, 500, 0]) {
  await sleep(busy);
  const { value } = await ch.receive();
  consumer("RECEIVED", `"${value}"`);
}

// Once the channel is closed, a receive that finds no sender gives `ok: false` instead of waiting.
const end = await ch.receive();
consumer("END", `receive gives ok=${end.ok}: the channel is closed`);
await sending;
