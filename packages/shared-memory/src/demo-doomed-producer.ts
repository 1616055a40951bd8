/**
 * The producer that the shared-memory-posix demo kills: it maps the ring named in
 * IPC_ATLAS_RING, sends three records the way examples/04-posix-producer.ts does, and idles
 * until the demo sends it SIGKILL, so that the consumer's wait has to notice a process that
 * never said goodbye.
 */

import { narrate, ringFromEnv } from "./demo-support.ts";
import { posixProducer } from "./shared-memory-posix.ts";

const say = narrate("producer");
const producer = posixProducer(ringFromEnv());
const record = Buffer.alloc(64);
for (let seq = 0; seq < 3; seq++) {
  record.writeUInt32LE(seq, 0);
  await producer.send(record);
}
say("SENT", "3 records of 64 bytes; now idling until killed");
setInterval(() => {}, 1000);
