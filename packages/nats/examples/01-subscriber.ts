// A subscriber process: it subscribes to the subject in its address (in a queue group if the
// address names one) and receives until the publisher's END marker.
import { childNarrator } from "@ipc-atlas/core";
import * as demo from "../src/demo-support.ts";
import { natsConsumer } from "../src/index.ts";

const narrator = childNarrator(process.argv[2] ?? "subscriber");
const address = demo.natsAddressFromEnv();

// Subscribing tells nats-server (in a cluster, over the routes, the publisher's node too) that
// this connection wants the subject; natsConsumer() resolves once it knows. Only messages
// published after that reach this process, each subscription its own copy (fan-out); the
// members of a queue group share the messages instead, each going to one member only.
const consumer = await natsConsumer(address);
demo.subscribed(narrator.sayAs, address, consumer.server());
const receipts = new demo.Receipts(narrator.sayAs, address);
for await (const message of consumer) receipts.add(message);
receipts.done();
