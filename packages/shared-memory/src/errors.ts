/**
 * Typed errors of @ipc-atlas/shared-memory, each with a hint that says what to do, registered
 * with core so they keep their class across a process boundary. Oversized records use core's
 * MessageTooLargeError, a dead or departed peer core's PeerGoneError.
 */

import { IpcError, registerErrorClass } from "@ipc-atlas/core";

/** Base class of this package's errors; also used as is for an errno without its own class. */
export class SharedMemoryError extends IpcError {}

/** shm_open with O_EXCL found the name taken: a ring is never made over an existing object. */
export class RingExistsError extends SharedMemoryError {
  constructor(name: string) {
    super("EEXIST", `a shared-memory object named ${name} already exists`, {
      hint: "choose another name (open() makes a fresh one), or remove a stale one with unlinkRing(name)",
      details: { name },
    });
  }
}

export class RingNotFoundError extends SharedMemoryError {
  constructor(name: string) {
    super("ENOENT", `no shared-memory ring named ${name}`, {
      hint: "attach to the address open() returned, while its endpoint is open",
      details: { name },
    });
  }
}

/** The object belongs to another user, or its mode lets others in: refused, never used. */
export class RingPermissionError extends SharedMemoryError {
  constructor(name: string) {
    super("EACCES", `shared-memory object ${name} is not this user's own with mode 0600`, {
      hint: "attach only to rings this user created; a ring open to others could be read or corrupted by them",
      details: { name },
    });
  }
}

/** The object exists but does not hold an ipc-atlas ring of the size its header says. */
export class NotARingError extends SharedMemoryError {
  constructor(name: string) {
    super("EINVAL", `shared-memory object ${name} does not hold an ipc-atlas ring`, {
      hint: "pass the address that sharedMemoryPosix.open() returned",
      details: { name },
    });
  }
}

export class AddonNotBuiltError extends SharedMemoryError {
  constructor(path: string) {
    super("ENOADDON", `the shared-memory addon is not built (${path} is missing)`, {
      hint: "run `pnpm install` (it builds native/shm_ring.c with node-gyp; needs python3, make and a C compiler)",
      details: { path },
    });
  }
}

export class UnsupportedPlatformError extends SharedMemoryError {
  constructor(platform: string) {
    super("ENOSYS", `the POSIX shared-memory ring runs on Linux only, not on ${platform}`, {
      hint: "use shared-memory-workers between threads, or another inter-process variant",
      details: { platform },
    });
  }
}

for (const cls of [
  SharedMemoryError,
  RingExistsError,
  RingNotFoundError,
  RingPermissionError,
  NotARingError,
  AddonNotBuiltError,
  UnsupportedPlatformError,
]) {
  registerErrorClass(cls);
}

/** The typed error for an errno the addon raised while opening `name`. */
export function ringError(error: unknown, name: string): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === "EEXIST") return new RingExistsError(name);
  if (code === "ENOENT") return new RingNotFoundError(name);
  if (code === "EACCES" || code === "EPERM") return new RingPermissionError(name);
  if (code === "EINVAL") return new NotARingError(name);
  return new SharedMemoryError(code ?? "EUNKNOWN", (error as Error)?.message ?? String(error), {
    hint: "see the errno in the message",
    details: { name },
  });
}
