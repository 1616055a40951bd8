/**
 * The consumer side of the rest variant: an express 5 application on a Node HTTP server whose
 * `POST /messages` hands each request body to an async iterator, and answers the request only
 * once the iterator has taken it. That hold-until-taken is what makes rest synchronous: the
 * producer's `send` resolves on the 2xx, and the 2xx means "the consumer has it".
 *
 * Routes:
 *   POST /messages  one message: `application/octet-stream` (the bytes) or `application/json`
 *                   (`{"text": "..."}` or `{"base64": "..."}`, handy with curl). 204 once taken.
 *   POST /close     the end of the stream: 204 once the iterator has taken the end and finished.
 *   GET  /health    `{"status": "ok", "variant": "rest", "maxMessageSize": N}`.
 * Every error answer is JSON, `{"error": {"code", "message", "hint"}}`, never a stack trace.
 *
 * Strangers and floods: with a token, every route first checks `Authorization: Bearer <token>`
 * (constant-time) and answers 401 with `WWW-Authenticate` before reading any body. Requests
 * waiting to be taken are capped in count and bytes (their Content-Length is reserved before
 * the body is read); past the cap the answer is 503 with `Retry-After`, so a client that
 * pipelines thousands of bodies on one connection cannot make the consumer hold them all.
 */

import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { AddressError, type Consumer, checkLimit, IpcError, tokenMatches } from "@ipc-atlas/core";
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from "express";
import type { ErrorBody } from "./http-error.ts";

export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Requests that may wait to be taken at once (count), and their bodies' bytes. */
export const DEFAULT_MAX_WAITING = 1024;
export const DEFAULT_MAX_WAITING_BYTES = 16 * 1024 * 1024;
/** What a 503 for a full consumer tells the client to wait, in seconds. */
const RETRY_AFTER_SECONDS = 1;

export interface MessageServerOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 0: any free port. */
  port?: number;
  /** Largest message body accepted; larger ones get 413. Default 1 MiB. */
  maxMessageSize?: number;
  /** A client must send all its headers within this time, or gets 408 and is cut off. Default 10 s. */
  headersTimeoutMs?: number;
  /** A client must send its whole request (headers and body) within this time. Default 30 s. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Adds middleware or routes ahead of the message routes (narration in the demo, tests). */
  configure?: (app: Express) => void;
  /** Receives the cause of every 500 answer; the client only sees a generic message. Default: stderr. */
  onInternalError?: (error: unknown, request: Request) => void;
  /** The secret every request must carry as `Authorization: Bearer <token>`. Absent: no check (insecure). */
  token?: string | undefined;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string } | undefined;
  /** Requests waiting to be taken, at most (more get 503). Default 1,024. */
  maxWaiting?: number | undefined;
  /** Bytes of bodies waiting to be taken, at most (more get 503). Default 16 MiB. */
  maxWaitingBytes?: number | undefined;
}

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

type Offer = {
  kind: "data" | "end";
  data: Uint8Array;
  /** The iterator took it: answer the request 204. */
  accept(): void;
  /** It will never be taken: answer the request with this problem. */
  refuse(problem: HttpProblem): void;
};

const TYPE_HINT =
  'send the bytes as Content-Type: application/octet-stream, or JSON as Content-Type: application/json: {"text": "..."} or {"base64": "..."}';

export class MessageServer implements Consumer {
  readonly app: Express;
  readonly server: Server;
  readonly maxMessageSize: number;
  // Offers wait here, in arrival order, until the iterator takes them.
  #offers: Offer[] = [];
  #wakers: Array<() => void> = [];
  /** The iterator has taken the end of the stream, or the consumer closed: nothing more is taken. */
  #ended = false;
  #closing: Promise<void> | undefined;
  #onInternalError: (error: unknown, request: Request) => void;
  readonly #token: string | undefined;
  readonly #maxWaiting: number;
  readonly #maxWaitingBytes: number;
  /** Requests admitted and not yet answered, and the body bytes reserved for them. */
  #admitted = 0;
  #admittedBytes = 0;
  /** Requests refused: 401 (no or wrong token) and 503 (the consumer's cap was reached). */
  readonly refused = { unauthorized: 0, busy: 0 };

  private constructor(app: Express, server: Server, maxMessageSize: number, options: MessageServerOptions) {
    this.app = app;
    this.server = server;
    this.maxMessageSize = maxMessageSize;
    this.#token = options.token;
    this.#maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING;
    this.#maxWaitingBytes = options.maxWaitingBytes ?? DEFAULT_MAX_WAITING_BYTES;
    this.#onInternalError =
      options.onInternalError ??
      ((error, request) => {
        process.stderr.write(`rest: ${request.method} ${request.originalUrl} failed: ${String(error)}\n`);
      });
  }

  /** Starts the server; resolves once it listens, so a producer can send at once. */
  static async start(options: MessageServerOptions = {}): Promise<MessageServer> {
    const host = options.host ?? "127.0.0.1";
    const port = options.port ?? 0;
    const maxMessageSize = checkLimit(
      "maxMessageSize",
      options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      0,
      2 ** 30,
    );
    checkLimit("maxWaiting", options.maxWaiting ?? DEFAULT_MAX_WAITING, 1, 2 ** 20);
    checkLimit("maxWaitingBytes", options.maxWaitingBytes ?? DEFAULT_MAX_WAITING_BYTES, 1, 2 ** 40);
    const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(headersTimeout > 0 && requestTimeout >= headersTimeout)) {
      throw new IpcError(
        "EINVAL",
        `invalid server timeouts: headersTimeoutMs ${headersTimeout}, requestTimeoutMs ${requestTimeout}`,
        {
          hint: "both must be positive and requestTimeoutMs at least headersTimeoutMs (the request includes its headers)",
        },
      );
    }
    const app = express();
    const settings = {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      // Node checks both timeouts on this interval (30 s by default), so a short timeout needs a short interval.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
      noDelay: true,
    };
    const server = options.tls
      ? createHttpsServer({ ...settings, cert: options.tls.cert, key: options.tls.key }, app)
      : createServer(settings, app);
    const messageServer = new MessageServer(app, server, maxMessageSize, options);
    messageServer.#mountRoutes(options.configure);
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        const where = `${host}:${port}`;
        if (error.code === "EADDRINUSE") {
          reject(
            new AddressError(
              "EADDRINUSE",
              `port ${port} on ${host} is already in use`,
              "choose another port, or stop what listens there",
              {
                host,
                port,
              },
            ),
          );
        } else if (error.code === "EADDRNOTAVAIL") {
          reject(
            new AddressError(
              "EADDRNOTAVAIL",
              `${host} is not an address of this machine`,
              "listen on one of this host's addresses, or 0.0.0.0",
              { host },
            ),
          );
        } else {
          reject(
            new AddressError(
              error.code ?? "EUNKNOWN",
              `cannot listen on ${where}: ${error.message}`,
              "check the host and port",
              { host, port },
            ),
          );
        }
      });
      server.listen(port, host, () => resolve());
    });
    return messageServer;
  }

  /** The port the server listens on (useful when it was started on port 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  #mountRoutes(configure: ((app: Express) => void) | undefined): void {
    const app = this.app;
    app.disable("x-powered-by");
    configure?.(app);
    // Before any parser: a stranger's body is never read, a flood never buffered.
    app.use(this.#authenticate);
    app.use(this.#admit);
    // Each parser acts only on its own content type and leaves every other body undefined, so
    // what req.body is afterwards says which form a message came in (see #messageOf).
    const raw = express.raw({ type: "application/octet-stream", limit: this.maxMessageSize });
    // Base64 makes 3 bytes into 4; the slack covers the JSON around it.
    const json = express.json({ limit: Math.ceil((this.maxMessageSize * 4) / 3) + 1024, strict: true });

    app.post("/messages", raw, json, async (req, res) => {
      const taken = await this.#deliver("data", this.#messageOf(req), res);
      if (taken) res.status(204).end();
    });
    // JSON is parsed here too (and refused with 400 when malformed), though /close needs no body.
    app.post("/close", json, async (_req, res) => {
      const taken = await this.#deliver("end", new Uint8Array(0), res);
      if (taken) res.status(204).end();
    });
    app.get("/health", (_req, res) => {
      res.json({ status: "ok", variant: "rest", maxMessageSize: this.maxMessageSize });
    });
    app.use((req, _res, next) => {
      next(
        new HttpProblem(
          404,
          "ENOROUTE",
          `no route for ${req.method} ${req.path}`,
          "use POST /messages, POST /close or GET /health",
        ),
      );
    });
    app.use(this.#errorHandler);
  }

  /** The message in a POST /messages body, whichever of the two accepted forms it came in. */
  #messageOf(req: Request): Uint8Array {
    // The raw parser made a Buffer (octet-stream), the JSON parser an object or array (strict).
    if (Buffer.isBuffer(req.body)) return req.body;
    if (typeof req.body === "object" && req.body !== null) {
      const body = req.body as { text?: unknown; base64?: unknown };
      let data: Buffer;
      if (typeof body?.text === "string") data = Buffer.from(body.text, "utf8");
      else if (typeof body?.base64 === "string") data = Buffer.from(body.base64, "base64");
      else
        throw new HttpProblem(
          400,
          "EBADMESSAGE",
          'a JSON message needs a string "text" or "base64" field',
          TYPE_HINT,
        );
      if (data.byteLength > this.maxMessageSize) {
        throw new HttpProblem(
          413,
          "EMSGSIZE",
          `message of ${data.byteLength} bytes is larger than the ${this.maxMessageSize}-byte limit`,
          `split it into messages of at most ${this.maxMessageSize} bytes`,
        );
      }
      return data;
    }
    const given = req.get("content-type");
    throw new HttpProblem(
      415,
      "EUNSUPPORTEDTYPE",
      given ? `Content-Type ${given} is not accepted here` : "the request has no body with a Content-Type",
      TYPE_HINT,
    );
  }

  /**
   * Queues the message for the iterator and waits until it is taken (true), or until the client
   * gave up waiting (false: nothing was taken, nothing to answer). Refusals throw an HttpProblem.
   */
  #deliver(kind: Offer["kind"], data: Uint8Array, res: Response): Promise<boolean> {
    if (this.#closing) throw consumerClosed();
    if (this.#ended) throw streamClosed();
    return new Promise<boolean>((resolve, reject) => {
      let settled = false;
      const offer: Offer = {
        kind,
        data,
        accept: () => {
          settled = true;
          resolve(true);
        },
        refuse: (problem) => {
          settled = true;
          reject(problem);
        },
      };
      this.#offers.push(offer);
      this.#wake();
      // A client that disconnects while it waits withdraws its message: its send failed, so the
      // consumer must not see it (at most once).
      res.once("close", () => {
        const waiting = this.#offers.indexOf(offer);
        // Already taken (its answer is on the way) or answered: nothing to withdraw.
        if (settled || waiting < 0) return;
        settled = true;
        this.#offers.splice(waiting, 1);
        resolve(false);
      });
    });
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }

  #refuseWaiting(problem: () => HttpProblem): void {
    const offers = this.#offers;
    this.#offers = [];
    for (const offer of offers) offer.refuse(problem());
  }

  async #take(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      if (this.#ended) return { done: true, value: undefined };
      const offer = this.#offers.shift();
      if (offer?.kind === "end") {
        this.#ended = true;
        process.nextTick(offer.accept);
        // Messages from other producers that queued behind the end will never be taken.
        this.#refuseWaiting(streamClosed);
        return { done: true, value: undefined };
      }
      if (offer) {
        // Answer after the current microtasks: the consumer's code sees the message
        // before the producer hears it was taken, so what each side reports stays in order.
        process.nextTick(offer.accept);
        return { done: false, value: offer.data };
      }
      await new Promise<void>((resolve) => this.#wakers.push(resolve));
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.#take(),
      return: async () => {
        this.#ended = true;
        this.#wake();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Stops consuming: a pending iteration ends, requests still waiting get 503, and the server
   * stops listening and drops its connections, so the port is free when this resolves.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#ended = true;
      this.#wake();
      this.#refuseWaiting(consumerClosed);
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      // Connections still busy get a moment to flush their answer (the 503s above), then go.
      const grace = setTimeout(() => this.server.closeAllConnections(), 500);
      await closed;
      clearTimeout(grace);
    })();
    return this.#closing;
  }

  #authenticate = (req: Request, res: Response, next: () => void): void => {
    const header = req.get("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : undefined;
    if (this.#token === undefined || tokenMatches(this.#token, given)) {
      next();
      return;
    }
    this.refused.unauthorized++;
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

  /** Reserves room for the request among those waiting; 503 + Retry-After when there is none. */
  #admit = (req: Request, res: Response, next: () => void): void => {
    if (req.method !== "POST") {
      next();
      return;
    }
    const length = Number(req.get("content-length") ?? this.maxMessageSize);
    const bytes =
      Number.isSafeInteger(length) && length >= 0
        ? Math.min(length, this.maxMessageSize)
        : this.maxMessageSize;
    if (this.#admitted >= this.#maxWaiting || this.#admittedBytes + bytes > this.#maxWaitingBytes) {
      this.refused.busy++;
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

  /** Requests admitted and not yet answered (waiting to be taken, or their bodies still arriving). */
  get waiting(): { count: number; bytes: number } {
    return { count: this.#admitted, bytes: this.#admittedBytes };
  }

  #errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
    const status = statusOf(error);
    if (res.headersSent) {
      // Half an answer cannot be turned into an error answer: end the connection instead.
      req.socket.destroy();
      return;
    }
    let body: ErrorBody;
    if (status >= 500 && !(error instanceof HttpProblem)) {
      // The cause stays in the server's log: a stack or message can leak internals.
      this.#onInternalError(error, req);
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
    if (this.#closing) res.set("connection", "close");
    res.status(status).json(body);
  };
}

function consumerClosed(): HttpProblem {
  return new HttpProblem(
    503,
    "ECONSUMERCLOSED",
    "the consumer closed before taking this message",
    "start a consumer and send again; the message was not delivered",
  );
}

function streamClosed(): HttpProblem {
  return new HttpProblem(
    409,
    "ECLOSED",
    "the stream has ended: a producer called close(), or the consumer stopped iterating",
    "open a new endpoint to send more",
  );
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
