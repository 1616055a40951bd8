/**
 * Kernel FIFO primitives for pipes-named. A FIFO (named pipe) is a pipe with a name in the
 * file system: made with mkfifo(3), opened by path, with the kernel's open semantics — a
 * reader may open before any writer, a writer that opens non-blocking before any reader gets
 * ENXIO, a write after the last reader left gets EPIPE, a write of at most PIPE_BUF bytes is
 * atomic. Both ends are opened O_NONBLOCK and wrapped in net.Socket, so libuv polls them with
 * epoll on the event loop. fs.createReadStream would instead park a thread-pool thread in a
 * blocking open() or read() per FIFO, and four idle FIFOs would stall every fs call.
 */

import { execFile } from "node:child_process";
import { closeSync, constants, fstatSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbortError,
  AddressError,
  atExit,
  IpcError,
  MissingProgramError,
  PeerGoneError,
  registerErrorClass,
  TimeoutError,
} from "@ipc-atlas/core";

/** Linux's PIPE_BUF: a write of at most this many bytes is never interleaved with other writers'; a larger one may be. */
export const PIPE_BUF = 4096;

/**
 * The reader of a FIFO is gone: a write failed with EPIPE (no process has the FIFO open for
 * reading), or the consumer closed its end before taking a message. Node ignores SIGPIPE, so
 * the writer sees this error instead of dying. A PeerGoneError with code "EPIPE".
 */
export class BrokenPipeError extends PeerGoneError {
  constructor(what: string, options: { cause?: unknown } = {}) {
    super(what, "start a reader (consumer) on the FIFO and open a new producer; the old one is unusable");
    // PeerGoneError fixes its code to EPEER; this one names the errno the kernel reports.
    (this as { code: string }).code = "EPIPE";
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
registerErrorClass(BrokenPipeError);

const privateDirs = new Set<string>();
/** Removes every private FIFO directory this process still holds (run at exit). */
function removePrivateDirs(): void {
  for (const dir of privateDirs) rmSync(dir, { recursive: true, force: true });
}

/** Private FIFO directories this process created and has not removed yet (for leak checks). */
export function liveFifoDirectories(): string[] {
  return [...privateDirs];
}

/** A private directory (mode 0700) holding FIFOs; `remove()` deletes it and them. */
export interface FifoDirectory {
  readonly dir: string;
  /** The FIFOs created in it, by the names asked for. */
  readonly paths: Record<string, string>;
  remove(): void;
}

/** Runs the system `mkfifo -m <mode>` (Node has no mkfifo): the mode is exact whatever the umask. */
export function mkfifo(path: string, mode = 0o600): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("mkfifo", ["-m", mode.toString(8).padStart(4, "0"), "--", path], (error, _stdout, stderr) => {
      if (!error) return resolve();
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(new MissingProgramError("mkfifo", "apt-get install coreutils"));
      }
      reject(
        new AddressError(
          "EMKFIFO",
          `mkfifo ${path} failed: ${stderr.trim() || error.message}`,
          "check the directory",
          {
            path,
          },
        ),
      );
    });
  });
}

/**
 * Creates a private temporary directory (mkdtemp, mode 0700) with one FIFO (mode 0600) per
 * name. On any failure the directory is removed before the error is thrown; a process that
 * exits with the directory still there removes it on the way out.
 */
export async function makeFifoDirectory(
  names: readonly string[],
  prefix = "ipc-atlas-fifo-",
): Promise<FifoDirectory> {
  atExit(removePrivateDirs);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  privateDirs.add(dir);
  const remove = () => {
    rmSync(dir, { recursive: true, force: true });
    privateDirs.delete(dir);
  };
  try {
    const paths: Record<string, string> = {};
    for (const name of names) {
      const path = join(dir, name);
      await mkfifo(path, 0o600);
      paths[name] = path;
    }
    return { dir, paths, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

function openFifoFd(path: string, flags: number): number {
  const fd = openSync(path, flags | constants.O_NONBLOCK);
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    throw new AddressError(
      "ENOTFIFO",
      `${path} is not a FIFO`,
      "pass the address an ipc-atlas endpoint gave you",
      {
        path,
      },
    );
  }
  return fd;
}

function missingFifo(path: string, error: unknown): IpcError {
  return new AddressError(
    "ENOENT",
    `no FIFO at ${path}`,
    "open the endpoint first; it may have been closed",
    {
      path,
      cause: String(error),
    },
  );
}

/**
 * Opens a FIFO for reading. Non-blocking open succeeds at once, with or without a writer.
 * The socket stays quiet until a writer comes; it ends once every writer has closed.
 */
export function openFifoReader(path: string): Socket {
  let fd: number;
  try {
    fd = openFifoFd(path, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw missingFifo(path, error);
    throw error;
  }
  return quiet(new Socket({ fd, readable: true, writable: false }));
}

// Errors surface through write callbacks, iteration and 'close'; a socket must never emit an
// 'error' nobody listens to, which would crash the process.
function quiet(socket: Socket): Socket {
  socket.on("error", () => {});
  return socket;
}

export interface OpenWriterOptions {
  /** Gives up waiting for a reader: the open rejects with AbortError. */
  signal?: AbortSignal;
  /** Gives up waiting for a reader after this long: TimeoutError. Default: wait as long as it takes. */
  timeoutMs?: number;
  /** Called once when the first attempt finds no reader (ENXIO), before the waiting starts. */
  onWaitForReader?: () => void;
}

/** Tries to open a FIFO for writing without blocking: the socket, or null while there is no reader. */
export function tryOpenFifoWriter(path: string): Socket | null {
  let fd: number;
  try {
    fd = openFifoFd(path, constants.O_WRONLY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENXIO") return null;
    if (code === "ENOENT") throw missingFifo(path, error);
    throw error;
  }
  return quiet(new Socket({ fd, readable: false, writable: true }));
}

/**
 * Opens a FIFO's write end at once, reader or not: open(O_RDWR), which Linux allows on a FIFO
 * (fifo(7); POSIX leaves it undefined). The caller holds a write end from then on, so a reader
 * sees end-of-file when the caller closes it or its process dies, even if it never wrote.
 */
export function holdFifoWriter(path: string): Socket {
  let fd: number;
  try {
    fd = openFifoFd(path, constants.O_RDWR);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw missingFifo(path, error);
    throw error;
  }
  return quiet(new Socket({ fd, readable: false, writable: true }));
}

/**
 * Opens a FIFO for writing, waiting for a reader as a blocking open(2) would — but without
 * blocking anything: open(O_WRONLY|O_NONBLOCK) fails with ENXIO while no process has the FIFO
 * open for reading, so it is retried with a backoff from 1 ms up to 50 ms. (Linux gives no
 * notification when a reader opens a FIFO, and a blocking open would hold a libuv thread.)
 */
export async function openFifoWriter(path: string, options: OpenWriterOptions = {}): Promise<Socket> {
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  let delay = 1;
  let waited = false;
  for (;;) {
    if (options.signal?.aborted) throw new AbortError("opening the FIFO for writing");
    const socket = tryOpenFifoWriter(path);
    if (socket) return socket;
    if (!waited) {
      waited = true;
      options.onWaitForReader?.();
    }
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new TimeoutError(`opening ${path} for writing (no reader came)`, options.timeoutMs!);
    }
    const pause = deadline === undefined ? delay : Math.max(0, Math.min(delay, deadline - Date.now()));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pause);
      function done() {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", done);
        resolve();
      }
      options.signal?.addEventListener("abort", done, { once: true });
    });
    delay = Math.min(delay * 2, 50);
  }
}

/** Turns a write error on a FIFO into a typed one: EPIPE becomes BrokenPipeError. */
export function fifoWriteError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EPIPE") {
    return new BrokenPipeError(
      `write to FIFO ${path} failed with EPIPE: no process has it open for reading`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof IpcError) return error;
  return new PeerGoneError(`write to FIFO ${path} failed: ${String(error)}`);
}

/**
 * Writes bytes to a FIFO socket and resolves when the kernel has taken them all (typed errors).
 * One call with at most PIPE_BUF bytes and nothing queued before it is one write(2): atomic
 * even when other processes write to the same FIFO.
 */
export function writeToFifo(socket: Socket, path: string, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(bytes, (error) => (error ? reject(fifoWriteError(path, error)) : resolve()));
  });
}
