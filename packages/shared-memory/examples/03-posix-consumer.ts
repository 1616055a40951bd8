/**
 * 03-posix-consumer: a process that maps the ring named in IPC_ATLAS_RING (the address as JSON)
 * and reads until the producer closes: a few greetings, then a burst it checks for order. When
 * the producer dies instead, the wait ends with a PeerGoneError, which it reports.
 */

import { childNarrator, PeerGoneError, preview } from "@ipc-atlas/core";
import { type PosixRingAddress, posixConsumer } from "../src/index.ts";

const address = JSON.parse(process.env.IPC_ATLAS_RING ?? "null") as PosixRingAddress;
if (!address) throw new Error('usage: IPC_ATLAS_RING=\'{"name":…,"doorbells":…}\' 03-posix-consumer.ts');
const narrator = childNarrator("consumer");

const consumer = posixConsumer(address);
narrator.sayAs("READY", `mapped ${address.name}; the ring is empty, so I wait on my doorbell`);
let burst = 0;
try {
  for await (const message of consumer) {
    if (message.byteLength !== 64) {
      narrator.sayAs("RECEIVED", preview(message));
      continue;
    }
    // Burst records carry their sequence number: check that none is lost, doubled or reordered.
    const seq = Buffer.from(message.buffer, message.byteOffset, 64).readUInt32LE(0);
    if (seq !== burst) throw new Error(`record ${burst} expected, got ${seq}`);
    burst++;
  }
  if (burst > 0) narrator.sayAs("RECEIVED", `${burst} records of 64 bytes, in order, none lost or doubled`);
  narrator.sayAs("END", "the producer closed the ring and every record is read");
} catch (error) {
  if (!(error instanceof PeerGoneError)) throw error;
  narrator.sayAs("GONE", `${error.name}: the producer died without closing the ring; the wait ended`);
}
