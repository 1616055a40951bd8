/**
 * @ipc-atlas/shared-memory — a single-producer single-consumer ring of records in shared
 * memory, driven by the event loop: between worker threads in a SharedArrayBuffer
 * (`shared-memory-workers`).
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { sharedMemoryWorkers } from "./shared-memory-workers.ts";

export {
  HEADER_BYTES,
  MAX_CAPACITY,
  MIN_CAPACITY,
  maxPayload,
  RingConsumer,
  RingProducer,
  type RingSignals,
  recordBytes,
  ringCapacity,
} from "./ring.ts";
export {
  DEFAULT_RING_BYTES,
  openWorkersRing,
  ringBytesFor,
  sharedMemoryWorkers,
  type WorkersRingAddress,
  workersConsumer,
  workersProducer,
} from "./shared-memory-workers.ts";

export const variants: AnyVariant[] = [sharedMemoryWorkers];
