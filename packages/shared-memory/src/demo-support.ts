/**
 * What the shared-memory examples need to narrate and to find their ring, kept out of the
 * examples so that they show the ring and nothing else.
 */

import { childNarrator } from "@ipc-atlas/core";
import type { PosixRingAddress } from "./shared-memory-posix.ts";

/** A transcript line as `actor`: posted to the demo that started this thread or process, printed otherwise. */
export function narrate(actor: string): (event: string, detail?: string) => void {
  return childNarrator(actor).sayAs;
}

/** The environment variable that carries a POSIX ring's address (JSON) to an example process. */
export const RING_ENV = "IPC_ATLAS_RING";

/** The POSIX ring named in IPC_ATLAS_RING; the demo puts it there (in the environment, not argv). */
export function ringFromEnv(): PosixRingAddress {
  const address = JSON.parse(process.env[RING_ENV] ?? "null") as PosixRingAddress | null;
  if (!address?.name || !address.doorbells) {
    throw new Error(`usage: ${RING_ENV}='{"name":…,"doorbells":…}' (the address createPosixRing() returns)`);
  }
  return address;
}

/** The sequence number the examples stamp at the start of a record (32 bits, little-endian). */
export function sequenceOf(record: Uint8Array): number {
  return new DataView(record.buffer, record.byteOffset, 4).getUint32(0, true);
}

/** A timer that counts its ticks; `stop()` ends it and says how many. It ticks only while the event loop is free. */
export function tickCounter(everyMs = 10): { stop(): number } {
  let ticks = 0;
  const timer = setInterval(() => ticks++, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return ticks;
    },
  };
}

/** How many times a 10 ms timer fired while `waiting` was pending: proof the event loop ran. */
export async function ticksWhile(waiting: Promise<unknown>): Promise<number> {
  const timer = tickCounter();
  await waiting.finally(timer.stop);
  return timer.stop(); // a stopped counter keeps its count
}
