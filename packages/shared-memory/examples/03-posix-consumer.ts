// 03-posix-consumer: a process that maps the ring and reads records until the producer closes
// it, checking that each arrives once and in order. If the producer dies instead, the wait
// ends with a PeerGoneError.

import { PeerGoneError } from "@ipc-atlas/core";
import { narrate, ringFromEnv, sequenceOf, tickCounter } from "../src/demo-support.ts";
import { posixConsumer } from "../src/index.ts";

const say = narrate("consumer");

// `posixConsumer` opens the shared-memory object by name and maps it (`mmap`, `MAP_SHARED`):
// this process sees, as an ArrayBuffer, the same physical pages the producer writes.
const consumer = posixConsumer(ringFromEnv());
say("READY", "mapped the ring; it is empty, so I wait on my doorbell");

// Each step copies the waiting records out in one batch and publishes `tail` once. With nothing
// to read, the consumer raises its waiting flag and polls its doorbell FIFO on the event loop.
// A producer that dies never closes the ring, but its end of the doorbell closes with it: the
// wait ends with a PeerGoneError instead of hanging.
const timer = tickCounter(); // a 10 ms timer: it ticks only while the event loop is free
let count = 0;
try {
  for await (const record of consumer) {
    if (sequenceOf(record) !== count++) throw new Error(`record ${count - 1} is lost or out of order`);
  }
  say("END", `${count} records, in order, none lost or doubled; timer ticks while I waited: ${timer.stop()}`);
} catch (error) {
  if (!(error instanceof PeerGoneError)) throw error;
  say("GONE", `PeerGoneError after ${count} records; timer ticks while I waited: ${timer.stop()}`);
}
