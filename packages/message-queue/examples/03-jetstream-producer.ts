// A producer process: it stores messages in the queue's stream and exits, before any consumer
// is attached. Endpoint: the queue's address, as JSON in IPC_ATLAS_ADDRESS (never in argv: it
// holds the token); argument: how many messages.

import { childNarrator } from "@ipc-atlas/core";
import { addressFromEnv, JetStreamQueue } from "../src/jetstream/index.ts";

const say = childNarrator("producer").sayAs;
const count = Number(process.argv[2] ?? "10");
const producer = await JetStreamQueue.producer(addressFromEnv());

// `publish` resolves once the server has stored the message (its PubAck), with the message's
// sequence number in the stream; no consumer needs to exist. `close` then stores an END
// marker, which tells the consumers that nothing more comes, and disconnects.
const stored: number[] = [];
for (let i = 1; i <= count; i++) {
  const receipt = await producer.publish(Buffer.from(`#${i}`));
  stored.push(receipt.streamSequence);
}
say("SENT", `#1–#${count}, stored as stream messages ${stored[0]}–${stored.at(-1)}`);
await producer.close();
