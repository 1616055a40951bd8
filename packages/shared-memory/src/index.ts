/**
 * @ipc-atlas/shared-memory — a single-producer single-consumer ring of records in shared
 * memory, driven by the event loop: between worker threads in a SharedArrayBuffer
 * (`shared-memory-workers`), and between processes in a POSIX shared-memory object mapped by
 * both (`shared-memory-posix`, a native addon).
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { sharedMemoryPosix } from "./shared-memory-posix.ts";
import { sharedMemoryWorkers } from "./shared-memory-workers.ts";

export {
  AddonNotBuiltError,
  NotARingError,
  RingExistsError,
  RingNotFoundError,
  RingPermissionError,
  SharedMemoryError,
  UnsupportedPlatformError,
} from "./errors.ts";
export {
  DEFAULT_RING_BYTES,
  HEADER_BYTES,
  MAX_CAPACITY,
  MIN_CAPACITY,
  maxPayload,
  RingConsumer,
  RingProducer,
  type RingSignals,
  recordBytes,
  ringBytesFor,
  ringCapacity,
} from "./ring.ts";
export {
  createPosixRing,
  PEER_CHECK_MS,
  type PosixRingAddress,
  posixConsumer,
  posixProducer,
  sharedMemoryPosix,
  uniqueRingName,
  unlinkRing,
} from "./shared-memory-posix.ts";
export {
  openWorkersRing,
  sharedMemoryWorkers,
  type WorkersRingAddress,
  workersConsumer,
  workersProducer,
} from "./shared-memory-workers.ts";
export { sweepStaleRings } from "./stale-rings.ts";

export const variants: AnyVariant[] = [sharedMemoryWorkers, sharedMemoryPosix];
