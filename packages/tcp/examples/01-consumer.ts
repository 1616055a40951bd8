// The consumer process (tcp and tcp-ip share it). Its address names the interface and port to
// listen on, and holds the endpoint's token: listen() accepts connections, and takes nothing
// from one until its first frame presents that token.
import { childNarrator } from "@ipc-atlas/core";
import * as demo from "../src/demo-support.ts";
import { TcpConsumer } from "../src/index.ts";

const narrator = childNarrator("consumer");
const address = await demo.adoptListener();
const consumer = await TcpConsumer.listen(address);
demo.listening(narrator.sayAs, address);

// TCP carries bytes, not messages: the consumer cuts the stream back into messages by each
// frame's length, in the order they were sent. After message #2 it stops reading for 1.5 s:
// its receive buffer fills, then the producer's send buffer, and then the producer's send()
// waits. The iteration ends when the producer's END frame arrives.
const tally = new demo.ReceiveTally(narrator.sayAs);
for await (const message of consumer) {
  tally.received(message);
  if (tally.count === 2) await demo.pauseReading(narrator.sayAs, consumer, 1500);
}
tally.done();
await consumer.close();
