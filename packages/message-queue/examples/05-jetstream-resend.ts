/**
 * 05-jetstream-resend: a producer that resends after a crash: it publishes messages 1..N under a
 * fixed producer id, so their message ids are `<producerId>-1` .. `<producerId>-N`. Run it twice
 * with the same id (as a restarted producer that cannot know which of its sends were stored
 * would) and the server stores each message once: the second run's receipts all say `duplicate`.
 * Role: producer; endpoint: the queue's address (JSON in IPC_ATLAS_ADDRESS, never argv: it holds
 * the token); argument: the producer id and N. Reports each receipt to the parent process (or
 * prints it).
 */

import { addressFromEnv, JetStreamQueue } from "../src/jetstream/index.ts";

const [producerId = "resender", countText = "10"] = process.argv.slice(2);
const address = addressFromEnv();

// The same producer id on every run: the sequence restarts at 1, so the ids repeat.
const producer = await JetStreamQueue.producer(address, { producerId });
const receipts = [];
for (let i = 1; i <= Number(countText); i++) {
  receipts.push(await producer.publish(Buffer.from(`order ${i}`)));
}
// Leave without close(): a crashed producer sends no END marker either.
if (process.send) process.send({ receipts }, () => process.exit(0));
else {
  console.log(JSON.stringify(receipts));
  process.exit(0);
}
