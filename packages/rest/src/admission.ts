/**
 * The message server's door, ahead of any body parser: strangers and floods are turned away
 * before a byte of their body is read.
 * - authenticate: with a token, every request must carry `Authorization: Bearer <token>`
 *   (compared in constant time); otherwise 401 with `WWW-Authenticate`, and the connection closes.
 * - Admission: what waits to be taken is capped in count and bytes. A request's Content-Length
 *   is reserved before its body is read and released when it is answered; past the cap the
 *   answer is 503 with `Retry-After` and the connection closes, so a client that pipelines
 *   thousands of bodies on one connection cannot make the consumer hold them all.
 */

import { tokenMatches } from "@ipc-atlas/core";
import type { Request, Response } from "express";
import type { ErrorBody } from "./http-error.ts";

/** What a 503 for a full consumer tells the client to wait, in seconds. */
const RETRY_AFTER_SECONDS = 1;

type Middleware = (req: Request, res: Response, next: () => void) => void;

/** A middleware that answers 401 to any request without the token (none: everyone passes). */
export function authenticate(token: string | undefined, onRefused: () => void): Middleware {
  return (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : undefined;
    if (token === undefined || tokenMatches(token, given)) {
      next();
      return;
    }
    onRefused();
    // The connection is not worth keeping: whatever body follows is not read.
    res.set("www-authenticate", 'Bearer realm="ipc-atlas"').set("connection", "close");
    res.status(401).json({
      error: {
        code: "EAUTH",
        message: given === undefined ? "this consumer needs a token" : "wrong token",
        hint: "send Authorization: Bearer <the token in the endpoint's address>",
      },
    } satisfies ErrorBody);
  };
}

/** The cap on requests admitted and not yet answered (waiting to be taken, or their bodies arriving). */
export class Admission {
  readonly #maxWaiting: number;
  readonly #maxWaitingBytes: number;
  /** The largest body a request may have: what one without a usable Content-Length reserves. */
  readonly #maxMessageSize: number;
  readonly #onRefused: () => void;
  #admitted = 0;
  #admittedBytes = 0;

  constructor(maxWaiting: number, maxWaitingBytes: number, maxMessageSize: number, onRefused: () => void) {
    this.#maxWaiting = maxWaiting;
    this.#maxWaitingBytes = maxWaitingBytes;
    this.#maxMessageSize = maxMessageSize;
    this.#onRefused = onRefused;
  }

  /** Requests admitted and not yet answered, and the body bytes reserved for them. */
  get waiting(): { count: number; bytes: number } {
    return { count: this.#admitted, bytes: this.#admittedBytes };
  }

  /** Reserves room for a POST among those waiting; 503 + Retry-After when there is none. */
  readonly admit: Middleware = (req, res, next) => {
    if (req.method !== "POST") {
      next();
      return;
    }
    const length = Number(req.get("content-length") ?? this.#maxMessageSize);
    const bytes =
      Number.isSafeInteger(length) && length >= 0
        ? Math.min(length, this.#maxMessageSize)
        : this.#maxMessageSize;
    if (this.#admitted >= this.#maxWaiting || this.#admittedBytes + bytes > this.#maxWaitingBytes) {
      this.#onRefused();
      // Closing the connection stops reading what a flood pipelined behind this request; a
      // producer that retries after Retry-After connects again.
      res.set("retry-after", String(RETRY_AFTER_SECONDS)).set("connection", "close");
      res.status(503).json({
        error: {
          code: "EBUSY",
          message: `the consumer already holds ${this.#admitted} waiting messages (${this.#admittedBytes} bytes)`,
          hint: `retry after ${RETRY_AFTER_SECONDS} s; the consumer takes messages slower than they arrive`,
        },
      } satisfies ErrorBody);
      return;
    }
    this.#admitted++;
    this.#admittedBytes += bytes;
    res.once("close", () => {
      this.#admitted--;
      this.#admittedBytes -= bytes;
    });
    next();
  };
}
