/**
 * Typed errors. Every error ipc-atlas raises on purpose is an IpcError with a stable `code`
 * and a `hint` that tells the user what to do. Errors cross process boundaries as JSON
 * (see `errorToJSON` / `errorFromJSON`), so a producer in another process still throws the
 * same class in the process that drives it.
 */

export interface IpcErrorJSON {
  name: string;
  code: string;
  message: string;
  hint?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

export class IpcError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(options.hint ? `${message} (${options.hint})` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** A message larger than the medium carries. Nothing was sent; the stream stays usable. */
export class MessageTooLargeError extends IpcError {
  constructor(size: number, limit: number, medium: string) {
    super("EMSGSIZE", `message of ${size} bytes is larger than the ${limit}-byte limit of ${medium}`, {
      hint: `split it into messages of at most ${limit} bytes, or open the medium with a larger limit`,
      details: { size, limit },
    });
  }
}

/** An operation on a producer, consumer or medium after close(). */
export class ClosedError extends IpcError {
  constructor(what: string) {
    super("ECLOSED", `${what} is closed`, { hint: "open a new one; a closed endpoint cannot be reused" });
  }
}

/** A byte stream carried a length prefix that cannot be a valid frame. The connection is unusable. */
export class FrameError extends IpcError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("EFRAME", message, {
      hint: "the peer is not speaking ipc-atlas framing or the stream is corrupt; drop the connection",
      ...(details ? { details } : {}),
    });
  }
}

/** A wait ran past its timeout. */
export class TimeoutError extends IpcError {
  constructor(what: string, timeoutMs: number) {
    super("ETIMEDOUT", `${what} did not complete within ${timeoutMs} ms`, {
      hint: "raise timeoutMs, or check that the other side is running",
      details: { timeoutMs },
    });
  }
}

/** A wait was cancelled through an AbortSignal. */
export class AbortError extends IpcError {
  constructor(what: string) {
    super("ABORT_ERR", `${what} was aborted`);
  }
}

/** The process or connection on the other side went away. */
export class PeerGoneError extends IpcError {
  constructor(
    what: string,
    hint = "the other side exited or closed the connection; restart it and retry",
    code = "EPEER",
  ) {
    super(code, what, { hint });
  }
}

/** A required external program (nats-server, a C compiler) is not installed. */
export class MissingProgramError extends IpcError {
  constructor(program: string, install: string) {
    super("ENOPROGRAM", `${program} was not found on PATH`, { hint: `install it: ${install}` });
  }
}

/** An address could not be used: port in use, nothing listening, bad path. */
export class AddressError extends IpcError {
  constructor(code: string, message: string, hint: string, details?: Record<string, unknown>) {
    super(code, message, { hint, ...(details ? { details } : {}) });
  }
}

/** An id that is not in the taxonomy. */
export class UnknownVariantError extends IpcError {
  constructor(id: string, known: readonly string[]) {
    super("EUNKNOWNVARIANT", `unknown variant "${id}"`, {
      hint: `use one of: ${known.join(", ")}`,
      details: { known },
    });
  }
}

// Subclasses registered here are rebuilt with their own class when they cross a process boundary.
type ErrorClass = new (...args: never[]) => IpcError;
const errorClasses = new Map<string, ErrorClass>();

/** Lets a package make its own IpcError subclasses survive the trip between processes. */
export function registerErrorClass(cls: ErrorClass): void {
  errorClasses.set(cls.name, cls);
}

for (const cls of [
  IpcError,
  MessageTooLargeError,
  ClosedError,
  FrameError,
  TimeoutError,
  AbortError,
  PeerGoneError,
  MissingProgramError,
  AddressError,
  UnknownVariantError,
]) {
  registerErrorClass(cls);
}

export function errorToJSON(error: unknown): IpcErrorJSON {
  if (error instanceof IpcError) {
    return {
      name: error.name,
      code: error.code,
      message: error.message,
      hint: error.hint,
      details: error.details,
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, code: (e as NodeJS.ErrnoException).code ?? "EUNKNOWN", message: e.message };
}

/** Rebuilds an error from JSON with its original class when that class is registered. */
export function errorFromJSON(json: IpcErrorJSON): Error {
  const cls = errorClasses.get(json.name) ?? IpcError;
  // Build without running the constructor: constructors take domain arguments, not a message.
  const error = Object.create(cls.prototype) as IpcError;
  Object.defineProperties(error, {
    name: { value: json.name, writable: true, configurable: true },
    message: { value: json.message, writable: true, configurable: true },
    code: { value: json.code, enumerable: true },
    hint: { value: json.hint, enumerable: true },
    details: { value: json.details, enumerable: true },
    stack: { value: `${json.name}: ${json.message}\n    (raised in another process)`, configurable: true },
  });
  return error;
}
