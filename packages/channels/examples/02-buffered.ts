// 02-buffered: a channel with room for three values. Sends go on at once while there is room
// and wait while the buffer is full; the receiver takes one value every 200 ms. Closing keeps
// what is buffered: the receiver drains it, then sees the end.
// The demo runs this program on a worker thread; `node --import tsx` runs it here.

import { narrate, sleep } from "../src/demo-support.ts";
import { Channel } from "../src/index.ts";

const producer = narrate("producer");
const consumer = narrate("consumer");

// `new Channel(3)` is Go's `make(chan string, 3)`: three slots, filled and emptied in FIFO order.
const ch = new Channel<string>(3);
const len = () => `len ${ch.length}/cap ${ch.capacity}`;

// The sender sends five values as fast as the channel lets it. A send into a full buffer waits
// until a receive frees a slot, then its value moves into that slot: backpressure.
const sending = (async () => {
  for (let i = 1; i <= 5; i++) {
    if (ch.length === ch.capacity) producer("WAIT", `#${i}: the buffer is full (${len()}), send waits`);
    const started = Date.now();
    await ch.send(`#${i}`);
    producer("SENT", `#${i} into the buffer after ${Date.now() - started} ms (${len()})`);
  }
  // Close says that no more values come; what is buffered can still be received.
  ch.close();
  producer("CLOSE", `with ${ch.length} values still buffered`);
})();

// The receiver takes one value every 200 ms, until the channel is closed and drained.
for (;;) {
  await sleep(200);
  const { value, ok } = await ch.receive();
  if (!ok) break;
  consumer("RECEIVED", value);
}
consumer("END", "receive gives ok=false: the channel is closed and drained");
await sending;
