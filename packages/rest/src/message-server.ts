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
 * Every error answer is JSON (http-problem.ts). Strangers and floods are turned away before any
 * body is read (admission.ts): 401 without the token, 503 + Retry-After past the waiting cap.
 */

import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Server as NetServer } from "node:net";
import { AsyncQueue, type Consumer, checkLimit, IpcError, listen, listenError } from "@ipc-atlas/core";
import express, { type Express, type Request, type Response } from "express";
import { Admission, authenticate } from "./admission.ts";
import { consumerClosed, errorHandler, HttpProblem, streamClosed } from "./http-problem.ts";

export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Requests that may wait to be taken at once (count), and their bodies' bytes. */
export const DEFAULT_MAX_WAITING = 1024;
export const DEFAULT_MAX_WAITING_BYTES = 16 * 1024 * 1024;

const EMPTY = new Uint8Array(0);

export interface MessageServerOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 0: any free port. */
  port?: number;
  /**
   * A server that already listens (the endpoint's, handed over): the server takes its socket
   * instead of listening on host and port, so the port is never free in between.
   */
  listener?: NetServer | undefined;
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

/** A request waiting for the iterator: a message, or the end of the stream. */
type Offer = {
  kind: "data" | "end";
  data: Uint8Array;
  /** Its client went away before it was taken: skipped. */
  withdrawn: boolean;
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
  /** Requests refused: 401 (no or wrong token) and 503 (the consumer's cap was reached). */
  readonly refused = { unauthorized: 0, busy: 0 };
  /** Offers in arrival order, until the iterator takes them. */
  readonly #offers = new AsyncQueue<Offer>();
  /** Withdrawn offers still in #offers. */
  #withdrawn = 0;
  /** The iterator has taken the end of the stream, or the consumer closed: nothing more is taken. */
  #ended = false;
  #closing: Promise<void> | undefined;
  readonly #onInternalError: (error: unknown, request: Request) => void;
  readonly #token: string | undefined;
  readonly #admission: Admission;

  private constructor(app: Express, server: Server, maxMessageSize: number, options: MessageServerOptions) {
    this.app = app;
    this.server = server;
    this.maxMessageSize = maxMessageSize;
    this.#token = options.token;
    this.#admission = new Admission(
      options.maxWaiting ?? DEFAULT_MAX_WAITING,
      options.maxWaitingBytes ?? DEFAULT_MAX_WAITING_BYTES,
      maxMessageSize,
      () => this.refused.busy++,
    );
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
      // No cap on requests per connection (Node's default, stated on purpose). A producer sends on
      // one keep-alive connection, one request at a time, and a cap would make it reconnect every
      // N messages. It would bound nothing the admission cap does not: that cap counts every
      // request waiting, across all connections, and past it answers 503 and closes the
      // connection, so what a client pipelined behind is never read; a flood that opened more
      // connections instead would pass any per-connection cap anyway.
      maxRequestsPerSocket: 0,
    };
    const server = options.tls
      ? createHttpsServer({ ...settings, cert: options.tls.cert, key: options.tls.key }, app)
      : createServer(settings, app);
    const messageServer = new MessageServer(app, server, maxMessageSize, options);
    messageServer.#mountRoutes(options.configure);
    if (options.listener) await serveListener(server, options.listener, host, port);
    else await listen(server, host, port);
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
    app.use(authenticate(this.#token, () => this.refused.unauthorized++));
    app.use(this.#admission.admit);
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
    app.use(errorHandler(this.#onInternalError, () => this.#closing !== undefined));
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
        withdrawn: false,
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
      // A client that disconnects while it waits withdraws its message: its send failed, so the
      // consumer must not see it (at most once).
      res.once("close", () => {
        // Already taken (its answer is on the way) or answered: nothing to withdraw.
        if (settled) return;
        settled = true;
        this.#withdraw(offer);
        resolve(false);
      });
    });
  }

  /** Marks `offer` to be skipped and lets its body go; compacts the queue when they pile up. */
  #withdraw(offer: Offer): void {
    offer.withdrawn = true;
    offer.data = EMPTY;
    this.#withdrawn++;
    // Clients that come and go while nobody takes would otherwise leave an entry each behind.
    if (this.#withdrawn < 64 || this.#withdrawn * 2 < this.#offers.length) return;
    const kept: Offer[] = [];
    for (let o = this.#offers.shift(); o; o = this.#offers.shift()) if (!o.withdrawn) kept.push(o);
    for (const o of kept) this.#offers.push(o);
    this.#withdrawn = 0;
  }

  /** Answers every offer still waiting with `problem` (they will never be taken). */
  #refuseWaiting(problem: () => HttpProblem): void {
    for (let offer = this.#offers.shift(); offer; offer = this.#offers.shift()) {
      if (!offer.withdrawn) offer.refuse(problem());
    }
    this.#withdrawn = 0;
  }

  async #take(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      if (this.#ended) return { done: true, value: undefined };
      const next = await this.#offers.next();
      if (next.done) return { done: true, value: undefined };
      const offer = next.value;
      if (offer.withdrawn) {
        this.#withdrawn = Math.max(0, this.#withdrawn - 1);
        continue;
      }
      // Handed to this taker just as the iteration ended or the consumer closed: never taken.
      if (this.#ended) {
        offer.refuse(this.#closing ? consumerClosed() : streamClosed());
        return { done: true, value: undefined };
      }
      if (offer.kind === "end") {
        this.#ended = true;
        process.nextTick(offer.accept);
        // Messages from other producers that queued behind the end will never be taken.
        this.#refuseWaiting(streamClosed);
        this.#offers.end();
        return { done: true, value: undefined };
      }
      // Answer after the current microtasks: the consumer's code sees the message
      // before the producer hears it was taken, so what each side reports stays in order.
      process.nextTick(offer.accept);
      return { done: false, value: offer.data };
    }
  }

  // The Consumer contract (one stream, next() calls in call order, break is close()) is applied
  // to what the variant's consumer() returns, by core's defineVariant.
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.#take(),
      return: async () => {
        this.#ended = true;
        this.#offers.end();
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
      this.#refuseWaiting(consumerClosed);
      this.#offers.close();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      // Connections still busy get a moment to flush their answer (the 503s above), then go.
      const grace = setTimeout(() => this.server.closeAllConnections(), 500);
      await closed;
      clearTimeout(grace);
    })();
    return this.#closing;
  }

  /** Requests admitted and not yet answered (waiting to be taken, or their bodies still arriving). */
  get waiting(): { count: number; bytes: number } {
    return this.#admission.waiting;
  }
}

/** Makes `server` accept on the socket `listener` already listens on (Node's listen(handle)). */
function serveListener(server: Server, listener: NetServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, host, port));
    server.once("error", onError);
    server.listen(listener, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
