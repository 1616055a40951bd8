// The producer process (tcp and tcp-ip share it). connect() opens one TCP connection (TLS on it
// if the address has a certificate), sends the token as its first frame (tag 02), and resolves
// once the consumer has accepted it.
import { childNarrator } from "@ipc-atlas/core";
import * as demo from "../src/demo-support.ts";
import { TcpProducer } from "../src/index.ts";

const narrator = childNarrator("producer");
const address = await demo.waitForConsumer();
const producer = await TcpProducer.connect(address);
narrator.sayAs("CONNECTED", demo.describeConnection(address, producer));

// Each message is one frame: a 4-byte length, a tag byte (00: a message; 01: END, the producer
// closed), then its bytes. send() resolves once the frame is in the kernel's send buffer,
// before the consumer has read it.
for (const [i, text] of ["hello", "over tcp"].entries()) {
  await producer.send(Buffer.from(text));
  narrator.sayAs("SENT", demo.describeFrame(i + 1, Buffer.from(text)));
  await new Promise((resolve) => setTimeout(resolve, 150));
}

// The burst, 256 messages of 64 KiB, while the consumer is busy. Once the buffers at both ends
// are full, send() stays pending until the socket drains: that is backpressure. close() sends
// the END frame, waits until everything is written, then closes the connection.
const watch = new demo.BurstWatch(narrator.sayAs, producer, 256, 64 * 1024);
for (let i = 0; i < 256; i++) await watch.send(i, producer.send(Buffer.alloc(64 * 1024, i & 0xff)));
watch.done();
await producer.close();
