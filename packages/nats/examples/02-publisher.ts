// A publisher process: it connects to nats-server, waits for the demo's word, publishes each
// message given on its command line to the subject in its address, then the END marker.
import { childNarrator } from "@ipc-atlas/core";
import * as demo from "../src/demo-support.ts";
import { natsProducer } from "../src/index.ts";

const narrator = childNarrator("publisher");
const texts = process.argv.slice(2);
const publisher = await natsProducer(demo.natsAddressFromEnv());
const server = publisher.server();
await demo.connectedWaitForGo();

// A publish names a subject, never a receiver, and does not wait for one: the server hands a
// copy to each subscription on the subject at that moment, or to nobody if there is none.
// close() publishes the END marker (for a queue group on a control subject that every member
// hears) and waits until the server has processed everything: that says nothing about who got
// the messages.
for (const text of texts) await publisher.send(Buffer.from(text));
narrator.sayAs("SENT", `${texts.map((t) => JSON.stringify(t)).join(", ")} via ${server}, then END`);
await publisher.close();
