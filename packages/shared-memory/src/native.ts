/**
 * The native addon (native/shm_ring.c, built by node-gyp on install), loaded lazily: importing
 * this package never touches it, so where it cannot run, shared-memory-workers still works and
 * the POSIX ring raises a clear error.
 */

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { AddonNotBuiltError, UnsupportedPlatformError } from "./errors.ts";

/** The addon's functions; see native/shm_ring.c for each contract. */
export interface NativeBinding {
  /** Creates (O_EXCL, 0600) or attaches to a ring; the ArrayBuffer is the mapping (header + data). */
  map(name: string, create: boolean, dataBytes: number): ArrayBuffer;
  /** Detaches the ArrayBuffer and unmaps it. */
  unmap(ring: ArrayBuffer): void;
  unlink(name: string): boolean;
  mkfifo(path: string): void;
  /** Release-store, fence, wake a sleeper, acquire-load; +2^32 when a ring was due and fd is -1. */
  signal(
    ring: ArrayBuffer,
    storeWord: number,
    value: number,
    loadWord: number,
    waitingWord: number,
    fd: number,
  ): number;
  load(ring: ArrayBuffer, word: number): number;
  claim(ring: ArrayBuffer, word: number, pid: number): number;
  /** 1 rings read, 0 none, -1 end of file. */
  drain(fd: number): number;
  pollCreate(fd: number, callback: (status: number) => void): object;
  pollStart(poller: object, on: boolean): void;
  pollClose(poller: object): void;
}

let binding: NativeBinding | undefined;

const addonPath = fileURLToPath(new URL("../build/Release/shm_ring.node", import.meta.url));

export function native(): NativeBinding {
  if (binding) return binding;
  if (process.platform !== "linux") throw new UnsupportedPlatformError(process.platform);
  if (!existsSync(addonPath)) throw new AddonNotBuiltError(addonPath);
  const loaded = createRequire(import.meta.url)(addonPath) as NativeBinding & { unsupported?: boolean };
  if (loaded.unsupported) throw new UnsupportedPlatformError(process.platform);
  binding = loaded;
  return binding;
}
