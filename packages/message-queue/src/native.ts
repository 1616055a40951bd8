/**
 * The native addon (native/posix_mq.c, built by node-gyp on install), loaded lazily: importing
 * this package never touches it, so a platform without POSIX message queues gets a clear
 * UnsupportedPlatformError from MessageQueue.open() instead of a crash at import.
 */

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { AddonNotBuiltError, UnsupportedPlatformError } from "./errors.ts";

/** The addon's functions; see native/posix_mq.c for each contract. */
export interface NativeBinding {
  open(
    name: string,
    create: boolean,
    exclusive: boolean,
    access: number,
    mode: number,
    maxMessages: number,
    messageSize: number,
  ): [fd: number, created: boolean];
  getattr(fd: number, out: Uint32Array): void;
  close(fd: number): void;
  unlink(name: string): boolean;
  send(fd: number, data: Uint8Array, priority: number): boolean;
  /** Sends up to 256 messages in order; how many were queued before the queue filled up. */
  sendMany(fd: number, priority: number, ...messages: Uint8Array[]): number;
  /**
   * One message into slab[offset..] (the rest of the ArrayBuffer must hold messageSize bytes):
   * -1 when the queue is empty, else priority * PRIORITY_SHIFT + length.
   */
  receive(fd: number, slab: ArrayBuffer, offset: number): number;
  receiveMany(
    fd: number,
    slab: Uint8Array,
    offset: number,
    max: number,
    messageSize: number,
    meta: Uint32Array,
  ): number;
  pollCreate(fd: number, callback: (status: number, events: number) => void): object;
  pollStart(poller: object, events: number): void;
  pollClose(poller: object): void;
}

/** receive() packs priority * PRIORITY_SHIFT + length into one number. */
export const PRIORITY_SHIFT = 2 ** 25;

/** uv_poll_event bits (uv.h): UV_READABLE = 1, UV_WRITABLE = 2. */
export const READABLE = 1;
export const WRITABLE = 2;

let binding: NativeBinding | undefined;

// node-gyp builds into the package's build/ folder: one level up from src/native.ts, two from
// the compiled dist/src/native.js of an installed package.
const packageRoot = import.meta.url.endsWith(".ts") ? "../" : "../../";
const addonPath = fileURLToPath(new URL(`${packageRoot}build/Release/posix_mq.node`, import.meta.url));

export function native(): NativeBinding {
  if (binding) return binding;
  if (process.platform !== "linux") throw new UnsupportedPlatformError(process.platform);
  if (!existsSync(addonPath)) throw new AddonNotBuiltError(addonPath);
  const loaded = createRequire(import.meta.url)(addonPath) as NativeBinding & { unsupported?: boolean };
  if (loaded.unsupported) throw new UnsupportedPlatformError(process.platform);
  binding = loaded;
  return binding;
}
