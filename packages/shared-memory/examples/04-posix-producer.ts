/**
 * 04-posix-producer: a process that maps the ring named in IPC_ATLAS_RING and sends three
 * greetings, then a burst of 100,000 records of 64 bytes, each stamped with its sequence
 * number, then closes the ring. With IPC_ATLAS_DEMO_HANG=1 it sends one greeting and then
 * idles forever (to be killed).
 */

import { childNarrator } from "@ipc-atlas/core";
import { type PosixRingAddress, posixProducer } from "../src/index.ts";

const address = JSON.parse(process.env.IPC_ATLAS_RING ?? "null") as PosixRingAddress;
if (!address) throw new Error('usage: IPC_ATLAS_RING=\'{"name":…,"doorbells":…}\' 04-posix-producer.ts');
const narrator = childNarrator("producer");
const producer = posixProducer(address);

if (process.env.IPC_ATLAS_DEMO_HANG) {
  await producer.send(Buffer.from("one greeting, then silence"));
  narrator.sayAs("SENDING", "one greeting; now idling until killed");
  setInterval(() => {}, 1000);
} else {
  for (const text of ["hello", "from a process", "through shared memory"]) {
    await producer.send(Buffer.from(text));
    narrator.sayAs("SENT", JSON.stringify(text));
  }
  const record = Buffer.alloc(64);
  const count = 100_000;
  const started = process.hrtime.bigint();
  for (let seq = 0; seq < count; seq++) {
    record.writeUInt32LE(seq, 0);
    // Resolves at once while the ring has room; the record is already in the consumer's memory.
    await producer.send(record);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  narrator.sayAs(
    "BURST",
    `${count} records of 64 bytes sent in ${ms.toFixed(0)} ms, through a 4096-byte ring`,
  );
  await producer.close();
  narrator.sayAs("CLOSE", "raised the ring's closed flag after the last record; unmapped");
}
