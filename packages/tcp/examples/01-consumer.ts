// The consumer process of the tcp / tcp-ip demo (both variants share the consumer): listens at
// the address it is given (IPC_ATLAS_ADDRESS: the address JSON), receives, and stays busy for a
// while after message #3 so that the producer's burst fills the kernel's buffers and its sends wait.
import { childNarrator, preview, receiveListener } from "@ipc-atlas/core";
import { type TcpAddress, TcpConsumer } from "../src/index.ts";

// The address carries the endpoint's token, so it comes through the environment, never argv.
const address = JSON.parse(process.env.IPC_ATLAS_ADDRESS ?? "null") as TcpAddress;
const narrator = childNarrator("consumer");

// The demo opened the endpoint, which listens already: it hands this process the listening
// socket over the IPC channel, so the port is never released for another program to take.
// Started by hand (no parent), the consumer listens on the address's port itself.
if (process.send) await receiveListener(address);
// From here on connections are accepted, so the producer may start.
const consumer = await TcpConsumer.listen(address);
narrator.sayAs("LISTEN", `on ${address.host}:${address.port} (pid ${process.pid})`);
consumer.on("peer-error", ({ peer, error }) => narrator.sayAs("DROPPED", `${peer}: ${error.message}`));
process.send?.({ ready: true });

let count = 0;
let burst = 0;
let burstBytes = 0;
for await (const message of consumer) {
  count++;
  if (message.byteLength <= 48) {
    narrator.sayAs("RECEIVED", `#${count} ${preview(message)}`);
  } else {
    if (burst === 0)
      narrator.sayAs(
        "RECEIVED",
        `#${count}, the first of the burst (${message.byteLength} bytes); reading the rest`,
      );
    burst++;
    burstBytes += message.byteLength;
  }
  if (count === 3) {
    narrator.sayAs("BUSY", "for 1500 ms: not reading, so the kernel's socket buffers fill up");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    narrator.sayAs("READ", `again (${consumer.queued} message(s) already waiting in this process)`);
  }
}
if (burst > 0)
  narrator.sayAs("RECEIVED", `${burst} burst messages, ${(burstBytes / 2 ** 20).toFixed(0)} MiB, in order`);
narrator.sayAs("END", `the producer closed: the iteration ended after ${count} messages`);
await consumer.close();
