/**
 * A subscriber process for the demos: subscribes to the subject in the address it is given
 * (IPC_ATLAS_ADDRESS, JSON: it may hold a token, so never argv), says SUBSCRIBED and tells its
 * parent it is ready once the server has the subscription, then RECEIVED for each message until
 * the publisher's END. Run by demo-pub-sub-nats-os.ts and demo-pub-sub-nats-network.ts through
 * core's spawnScript; its narration travels to the parent's transcript.
 */

import { childNarrator, preview } from "@ipc-atlas/core";
import { type NatsAddress, natsConsumer } from "../src/index.ts";

const address = JSON.parse(process.env.IPC_ATLAS_ADDRESS ?? "{}") as NatsAddress;
const actor = process.argv[2] ?? "subscriber";
const narrator = childNarrator(actor);

// 1. Subscribe: consumer() resolves once the server (and, in a cluster, the publisher's node)
//    knows about the subscription.
const consumer = await natsConsumer(address);
const where = address.queue ? `${consumer.server()}, queue group "${address.queue}"` : consumer.server();
narrator.sayAs("SUBSCRIBED", where);
process.send?.({ ready: true }); // the parent publishes only after this

// 2. Receive until END: each message published from now on arrives here (or, in a queue
//    group, at one member of the group).
let count = 0;
for await (const message of consumer) {
  count++;
  narrator.sayAs("RECEIVED", preview(message));
}
narrator.sayAs("END", `${count} message${count === 1 ? "" : "s"} received`);
