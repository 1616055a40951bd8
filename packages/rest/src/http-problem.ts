/**
 * What the message server answers when something goes wrong: every error is JSON,
 * `{"error": {"code", "message", "hint"}}`, with the status that fits, and never a stack trace.
 * HttpProblem is an answer the server means to give; body-parser's errors are translated into
 * the same shape; anything else is a 500 whose cause goes to the server's log only.
 */

import type { ErrorRequestHandler, Request } from "express";
import type { ErrorBody } from "./http-error.ts";

/** An error answer the server means to give: status, code, message and hint go to the client. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;
  constructor(status: number, code: string, message: string, hint?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
  }
}

export function consumerClosed(): HttpProblem {
  return new HttpProblem(
    503,
    "ECONSUMERCLOSED",
    "the consumer closed before taking this message",
    "start a consumer and send again; the message was not delivered",
  );
}

export function streamClosed(): HttpProblem {
  return new HttpProblem(
    409,
    "ECLOSED",
    "the stream has ended: a producer called close(), or the consumer stopped iterating",
    "open a new endpoint to send more",
  );
}

/**
 * The last middleware: turns any error into its JSON answer. `onInternalError` gets the cause of
 * every 500; `closing` says the server is shutting down (the answer is then the connection's last).
 */
export function errorHandler(
  onInternalError: (error: unknown, request: Request) => void,
  closing: () => boolean,
): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const status = statusOf(error);
    if (res.headersSent) {
      // Half an answer cannot be turned into an error answer: end the connection instead.
      req.socket.destroy();
      return;
    }
    let body: ErrorBody;
    if (status >= 500 && !(error instanceof HttpProblem)) {
      // The cause stays in the server's log: a stack or message can leak internals.
      onInternalError(error, req);
      body = {
        error: {
          code: "EINTERNAL",
          message: "internal server error",
          hint: "the server logged the cause; retry, or report it to the server's operator",
        },
      };
    } else {
      body = { error: describe(error, status) };
    }
    // While closing, the answer is the connection's last: the server waits for no idle socket.
    if (closing()) res.set("connection", "close");
    res.status(status).json(body);
  };
}

function statusOf(error: unknown): number {
  const e = error as { status?: unknown; statusCode?: unknown };
  const status = typeof e?.status === "number" ? e.status : e?.statusCode;
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : 500;
}

/** A client error in the JSON shape, from our own problems and from body-parser's errors. */
function describe(error: unknown, status: number): ErrorBody["error"] {
  if (error instanceof HttpProblem) {
    return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  }
  // body-parser's errors carry a `type` and messages meant for the client (`expose`).
  const e = error as { type?: string; message?: string; limit?: number; length?: number; expose?: boolean };
  switch (e.type) {
    case "entity.too.large":
      return {
        code: "EMSGSIZE",
        message: `request body of ${e.length ?? "more than"} bytes is larger than the ${e.limit}-byte limit`,
        hint: `send messages of at most ${e.limit} bytes (as application/octet-stream)`,
      };
    case "entity.parse.failed":
      return {
        code: "EBADJSON",
        message: `malformed JSON: ${e.message}`,
        hint: 'send a JSON object such as {"text": "hello"}',
      };
    case "encoding.unsupported":
    case "charset.unsupported":
      return {
        code: "EUNSUPPORTEDENCODING",
        message: e.message ?? "unsupported encoding",
        hint: "send the body uncompressed",
      };
    case "request.aborted":
      return { code: "EABORTED", message: "the client aborted the request" };
  }
  return {
    code: `HTTP_${status}`,
    message: e.expose && typeof e.message === "string" ? e.message : "the request was refused",
  };
}
