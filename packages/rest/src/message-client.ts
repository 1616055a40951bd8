/**
 * The producer side of the rest variant: POSTs each message to the consumer's server over one
 * keep-alive HTTP/1.1 connection (an undici Client), one request at a time. The server answers
 * only once its consumer has taken the message, so one request in flight is also the
 * backpressure: a consumer that does not read holds the producer's next send.
 *
 * undici's `request` rather than the global `fetch`: both are undici underneath, but fetch's
 * WHATWG layer (streams, Headers, Response objects) costs about three quarters of the
 * throughput at 64-byte messages on this machine (see the README's Numbers).
 */

import {
  AddressError,
  AuthError,
  ClosedError,
  MessageTooLargeError,
  PeerGoneError,
  type Producer,
  TlsVerifyError,
} from "@ipc-atlas/core";
import { Client } from "undici";
import { type ErrorBody, HttpError } from "./http-error.ts";

export interface MessageClientOptions {
  /** Base URL of the consumer's server, e.g. http://127.0.0.1:43127. */
  url: string;
  /** Largest message the server accepts; larger ones are refused here, before any request. */
  maxMessageSize: number;
  /** How long to wait for a connection to the server. Default 10 s. */
  connectTimeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>` with every request. */
  token?: string | undefined;
  /** For an https URL: the CA (PEM) the server's certificate must be signed by. */
  ca?: string | undefined;
}

export class MessageClient implements Producer {
  readonly url: string;
  readonly maxMessageSize: number;
  readonly #client: Client;
  readonly #headers: Record<string, string>;
  readonly #postHeaders: Record<string, string>;
  // Each send waits for the one before it: requests reach the server in call order.
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: MessageClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.maxMessageSize = options.maxMessageSize;
    this.#client = new Client(this.url, {
      pipelining: 1,
      // A synchronous send waits for the consumer as long as the consumer takes: no answer deadline.
      headersTimeout: 0,
      connect: { timeout: options.connectTimeoutMs ?? 10_000, ...(options.ca ? { ca: options.ca } : {}) },
    });
    this.#headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.#postHeaders = { ...this.#headers, "content-type": "application/octet-stream" };
  }

  /** Checks that an ipc-atlas rest server answers at the URL, so a wrong address fails at attach time. */
  async connect(): Promise<void> {
    try {
      await this.#request("GET", "/health");
    } catch (error) {
      await this.#client.destroy().catch(() => {});
      // Closed before any answer: an endpoint holds the port for its consumer, which is not there yet.
      if (error instanceof PeerGoneError) {
        throw new AddressError(
          "ECONNREFUSED",
          `GET ${this.url}/health: no consumer serves ${this.url} yet (the connection was closed unanswered)`,
          "start the consumer first (it runs the HTTP server), and check the host and port",
          { url: this.url },
        );
      }
      throw error;
    }
  }

  send(message: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError("rest producer"));
    if (message.byteLength > this.maxMessageSize) {
      return Promise.reject(
        new MessageTooLargeError(message.byteLength, this.maxMessageSize, `the rest consumer at ${this.url}`),
      );
    }
    return this.#inOrder(() => this.#request("POST", "/messages", message));
  }

  /** Sends the end of the stream after every message already sent; resolves once the consumer took it. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#inOrder(async () => {
      try {
        await this.#request("POST", "/close");
      } finally {
        await this.#client.close().catch(() => {});
      }
    });
    return this.#closing;
  }

  /** Drops the connection at once, without telling the consumer (for tests and shutdown paths). */
  async destroy(): Promise<void> {
    this.#closed = true;
    await this.#client.destroy().catch(() => {});
  }

  #inOrder(task: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(task);
    // The next call waits for this one to settle, whatever its outcome.
    this.#tail = run.catch(() => {});
    return run;
  }

  async #request(method: "GET" | "POST", path: string, body?: Uint8Array): Promise<void> {
    const where = `${method} ${this.url}${path}`;
    let response: Awaited<ReturnType<Client["request"]>>;
    try {
      response = await this.#client.request({
        method,
        path,
        ...(body ? { body, headers: this.#postHeaders } : { headers: this.#headers }),
      });
    } catch (error) {
      throw this.#transportError(error, where);
    }
    if (response.statusCode < 300) {
      await response.body.dump();
      return;
    }
    const text = await response.body.text().catch(() => "");
    let problem: Partial<ErrorBody["error"]> = {};
    try {
      problem = (JSON.parse(text) as ErrorBody).error ?? {};
    } catch {
      // Not our server's JSON (a proxy, another service): keep the raw text as the message.
    }
    if (response.statusCode === 401) throw new AuthError(`${where}`);
    if (response.statusCode === 409 && problem.code === "ECLOSED") {
      throw new ClosedError(`the stream at ${this.url}`);
    }
    throw new HttpError(response.statusCode, problem.message ?? (text.slice(0, 200) || "no message"), {
      request: where,
      serverCode: problem.code,
      hint: problem.hint,
    });
  }

  #transportError(error: unknown, where: string): Error {
    const code = (error as NodeJS.ErrnoException)?.code;
    const url = this.url;
    if (typeof code === "string" && /CERT|SIGNATURE|SELF_SIGNED|ISSUER|ALTNAME/.test(code)) {
      return new TlsVerifyError(url, code);
    }
    switch (code) {
      case "ECONNREFUSED":
        return new AddressError(
          "ECONNREFUSED",
          `${where}: connection refused, nothing listens at ${url}`,
          "start the consumer first (it runs the HTTP server), and check the host and port",
          { url },
        );
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return new AddressError(
          "ENOTFOUND",
          `${where}: the host of ${url} cannot be resolved`,
          "check the host name",
          {
            url,
          },
        );
      case "UND_ERR_CONNECT_TIMEOUT":
        return new AddressError(
          "ETIMEDOUT",
          `${where}: no connection to ${url} within the connect timeout`,
          "check that the host is reachable and that no firewall drops the port",
          { url },
        );
      case "UND_ERR_SOCKET":
      case "ECONNRESET":
      case "EPIPE":
        return new PeerGoneError(
          `${where}: the server at ${url} closed the connection before answering`,
          "the consumer stopped or crashed; the message was not confirmed as taken",
        );
      case "UND_ERR_DESTROYED":
      case "UND_ERR_CLOSED":
        return new ClosedError("rest producer");
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}
