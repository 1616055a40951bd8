/**
 * 03-jetstream-producer: the JetStream demo's producer process: stores N messages in the queue,
 * then the END marker, and exits. Role: producer; endpoint: the queue's address (JSON in
 * IPC_ATLAS_ADDRESS, never argv: it holds the token); argument: how many.
 */

import { childNarrator } from "@ipc-atlas/core";
import { addressFromEnv, JetStreamQueue } from "../src/jetstream/index.ts";

const [countText = "20"] = process.argv.slice(2);
const address = addressFromEnv();
const count = Number(countText);
const narrator = childNarrator("producer");

// Connect to the queue's servers; nothing needs to consume yet.
const producer = await JetStreamQueue.producer(address);
for (let i = 1; i <= count; i++) {
  const text = `#${i}`;
  narrator.sayAs("SEND", JSON.stringify(text));
  // Resolves once the server stored it (PubAck), with its sequence number in the stream.
  const receipt = await producer.publish(Buffer.from(text));
  narrator.sayAs("SENT", `${JSON.stringify(text)} stored as stream message ${receipt.streamSequence}`);
}
// END tells a consumer that nothing more comes; close() sends it and disconnects.
await producer.close();
narrator.sayAs("CLOSE", "END marker stored; the producer exits");
process.disconnect?.();
