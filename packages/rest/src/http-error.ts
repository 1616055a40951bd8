/**
 * HttpError: the server answered a request with an error status. It carries the status and
 * the server's own code and message (from the JSON error body every route of the message
 * server sends), and it is registered with core so that it keeps its class when it crosses
 * from a producer process to the process that drives it.
 */

import { IpcError, registerErrorClass } from "@ipc-atlas/core";

/** The JSON body of every error answer of the message server. */
export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

export interface HttpErrorOptions {
  /** The request that failed, as `METHOD url`, for the message. */
  request: string;
  /** The server's error code from the JSON body, when it sent one. */
  serverCode?: string | undefined;
  /** The server's hint from the JSON body, when it sent one. */
  hint?: string | undefined;
}

export class HttpError extends IpcError {
  constructor(status: number, serverMessage: string, options: HttpErrorOptions) {
    super(options.serverCode ?? `HTTP_${status}`, `${options.request} answered ${status}: ${serverMessage}`, {
      ...(options.hint ? { hint: options.hint } : {}),
      details: { status, serverMessage, request: options.request },
    });
  }

  /** The HTTP status the server answered with. A getter over `details`, so it survives errorFromJSON. */
  get status(): number {
    return (this.details?.status as number | undefined) ?? 0;
  }

  /** The message from the server's JSON error body (or its status text when it sent none). */
  get serverMessage(): string {
    return (this.details?.serverMessage as string | undefined) ?? "";
  }
}

registerErrorClass(HttpError);
