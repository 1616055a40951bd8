/**
 * Limits and errors as a careful HTTP service has them, against the real express server:
 * 413 over the body limit, 415 for another content type, 400 with a JSON error and no stack
 * for malformed JSON, 500 through the error middleware for a handler that throws, and the
 * client's typed errors (MessageTooLargeError before sending, HttpError, refused connection).
 */

import {
  AddressError,
  ClosedError,
  errorFromJSON,
  errorToJSON,
  MessageTooLargeError,
  type OpenOptions,
} from "@ipc-atlas/core";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HttpError,
  MessageClient,
  MessageServer,
  type RestAddress,
  rest,
  restProducer,
} from "../src/index.ts";

const LIMIT = 1024;

let server: MessageServer;
let url: string;
let requests: string[];
let internalErrors: unknown[];
const cleanups: Array<() => Promise<void>> = [];

beforeEach(async () => {
  requests = [];
  internalErrors = [];
  server = await MessageServer.start({
    maxMessageSize: LIMIT,
    onInternalError: (error) => internalErrors.push(error),
    configure: (app) => {
      app.use((req, _res, next) => {
        requests.push(`${req.method} ${req.path}`);
        next();
      });
      // Handlers that fail the two ways a handler can: a rejected promise and a synchronous throw.
      app.get("/boom-async", async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error("secret internal detail /srv/app/db.ts:42");
      });
      app.get("/boom-sync", () => {
        throw new TypeError("secret internal detail");
      });
    },
  });
  url = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server.close();
});

async function post(path: string, contentType: string | undefined, body: string | Uint8Array) {
  const reply = await request(`${url}${path}`, {
    method: "POST",
    headers: contentType ? { "content-type": contentType } : {},
    body,
  });
  const text = await reply.body.text();
  return { status: reply.statusCode, type: String(reply.headers["content-type"]), text };
}

/** A JSON error body of the server's shape, with no trace of a stack or a source path. */
function expectCleanError(reply: { type: string; text: string }, code: string) {
  expect(reply.type).toMatch(/^application\/json/);
  const body = JSON.parse(reply.text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(reply.text).not.toMatch(/\n\s*at |\bat .*:\d+:\d+|node_modules|\.ts:\d+|\.js:\d+|"stack"/);
  return body.error;
}

/** Takes one message from the server while a producer sends it: the server still serves. */
async function roundTrip(text: string) {
  const producer = new MessageClient({ url, maxMessageSize: LIMIT });
  cleanups.push(() => producer.destroy());
  const iterator = server[Symbol.asyncIterator]();
  const [, taken] = await Promise.all([producer.send(Buffer.from(text)), iterator.next()]);
  expect(Buffer.from(taken.value as Uint8Array).toString()).toBe(text);
}

describe("413: a body over the limit", () => {
  it(`413 with a JSON error for ${LIMIT + 1} bytes of octet-stream, and the server keeps serving`, async () => {
    const reply = await post("/messages", "application/octet-stream", new Uint8Array(LIMIT + 1));
    expect(reply.status).toBe(413);
    const error = expectCleanError(reply, "EMSGSIZE");
    expect(error.message).toContain(String(LIMIT));
    await roundTrip("after the 413");
  });

  it("413 for a JSON message whose decoded bytes exceed the limit", async () => {
    const base64 = Buffer.alloc(LIMIT + 1).toString("base64");
    const reply = await post("/messages", "application/json", JSON.stringify({ base64 }));
    expect(reply.status).toBe(413);
    expectCleanError(reply, "EMSGSIZE");
  });

  it("accepts exactly the limit", async () => {
    const iterator = server[Symbol.asyncIterator]();
    const [reply, taken] = await Promise.all([
      post("/messages", "application/octet-stream", new Uint8Array(LIMIT)),
      iterator.next(),
    ]);
    expect(reply.status).toBe(204);
    expect((taken.value as Uint8Array).byteLength).toBe(LIMIT);
  });
});

describe("415: a content type the route does not take", () => {
  it("415 with a JSON error naming the accepted types for text/plain", async () => {
    const reply = await post("/messages", "text/plain", "hello");
    expect(reply.status).toBe(415);
    const error = expectCleanError(reply, "EUNSUPPORTEDTYPE") as { hint?: string };
    expect(error.hint).toContain("application/octet-stream");
  });

  it("415 for a body without a content type", async () => {
    const reply = await post("/messages", undefined, "hello");
    expect(reply.status).toBe(415);
    expectCleanError(reply, "EUNSUPPORTEDTYPE");
  });
});

describe("400: malformed JSON on any JSON route", () => {
  for (const path of ["/messages", "/close"]) {
    it(`400 with a JSON error and no stack trace on POST ${path}`, async () => {
      const reply = await post(path, "application/json", '{"text": "unterminated');
      expect(reply.status).toBe(400);
      const error = expectCleanError(reply, "EBADJSON");
      expect(error.message).toMatch(/^malformed JSON/);
    });
  }

  it("400 for well-formed JSON without a text or base64 field", async () => {
    const reply = await post("/messages", "application/json", JSON.stringify({ data: 1 }));
    expect(reply.status).toBe(400);
    expectCleanError(reply, "EBADMESSAGE");
  });

  it("a JSON message with a text field is delivered", async () => {
    const iterator = server[Symbol.asyncIterator]();
    const [reply, taken] = await Promise.all([
      post("/messages", "application/json", JSON.stringify({ text: "from curl" })),
      iterator.next(),
    ]);
    expect(reply.status).toBe(204);
    expect(Buffer.from(taken.value as Uint8Array).toString()).toBe("from curl");
  });
});

describe("500: a handler that throws", () => {
  for (const path of ["/boom-async", "/boom-sync"]) {
    it(`GET ${path} gets a generic 500 JSON error at once, and the cause goes to the log only`, async () => {
      const started = Date.now();
      const reply = await request(`${url}${path}`, { headersTimeout: 5000 });
      const text = await reply.body.text();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(reply.statusCode).toBe(500);
      expectCleanError({ type: String(reply.headers["content-type"]), text }, "EINTERNAL");
      expect(text).not.toContain("secret");
      expect(internalErrors).toHaveLength(1);
      expect(String(internalErrors[0])).toContain("secret internal detail");
      await roundTrip("after the 500");
    });
  }

  it("404 for an unknown route is a JSON error too", async () => {
    const reply = await request(`${url}/nowhere`);
    expect(reply.statusCode).toBe(404);
    expectCleanError(
      { type: String(reply.headers["content-type"]), text: await reply.body.text() },
      "ENOROUTE",
    );
  });
});

describe("the client's typed errors", () => {
  it("an oversize message is a MessageTooLargeError before any request is made", async () => {
    const producer = await restProducer({ ...addressOf(server), maxMessageSize: LIMIT });
    cleanups.push(() => producer.destroy());
    const before = requests.length;
    await expect(producer.send(new Uint8Array(LIMIT + 1))).rejects.toBeInstanceOf(MessageTooLargeError);
    expect(requests.length).toBe(before);
  });

  it("an HTTP error is an HttpError with the status and the server's message, also across processes", async () => {
    // A producer that believes the limit is larger than the server's: the server's 413 comes back.
    const producer = new MessageClient({ url, maxMessageSize: LIMIT * 4 });
    cleanups.push(() => producer.destroy());
    const error = await producer.send(new Uint8Array(LIMIT * 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    const http = error as HttpError;
    expect(http.status).toBe(413);
    expect(http.code).toBe("EMSGSIZE");
    expect(http.serverMessage).toContain(String(LIMIT));
    expect(http.message).toContain(`POST ${url}/messages answered 413`);
    // What a RemoteProducer does with an error from its process: JSON there, the same class here.
    const rebuilt = errorFromJSON(errorToJSON(http));
    expect(rebuilt).toBeInstanceOf(HttpError);
    expect((rebuilt as HttpError).status).toBe(413);
    expect((rebuilt as HttpError).serverMessage).toBe(http.serverMessage);
  });

  it("a send waiting when the consumer closes gets a 503 HttpError, not a hang", async () => {
    const producer = new MessageClient({ url, maxMessageSize: LIMIT });
    cleanups.push(() => producer.destroy());
    const sending = producer.send(Buffer.from("never taken")).catch((e: unknown) => e);
    await waitFor(() => requests.includes("POST /messages"));
    await server.close();
    const error = await sending;
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(503);
    expect((error as HttpError).code).toBe("ECONSUMERCLOSED");
  });

  it("a send to a closed stream is a ClosedError, also from a second producer", async () => {
    const first = new MessageClient({ url, maxMessageSize: LIMIT });
    const second = new MessageClient({ url, maxMessageSize: LIMIT });
    cleanups.push(
      () => first.destroy(),
      () => second.destroy(),
    );
    const iterator = server[Symbol.asyncIterator]();
    const [, end] = await Promise.all([first.close(), iterator.next()]);
    expect(end.done).toBe(true);
    await expect(first.send(Buffer.from("x"))).rejects.toBeInstanceOf(ClosedError);
    await expect(second.send(Buffer.from("x"))).rejects.toBeInstanceOf(ClosedError);
  });

  it("a send whose client goes away while it waits is withdrawn: the consumer never sees it", async () => {
    const quitter = new MessageClient({ url, maxMessageSize: LIMIT });
    const stayer = new MessageClient({ url, maxMessageSize: LIMIT });
    cleanups.push(() => stayer.destroy());
    const abandoned = quitter.send(Buffer.from("abandoned")).catch((e: unknown) => e);
    await waitFor(() => requests.includes("POST /messages"));
    await quitter.destroy();
    expect(await abandoned).toBeInstanceOf(Error);
    // The server has seen the connection close (and so withdrawn the offer) once it counts none.
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    const deadline = Date.now() + 10_000;
    while ((await connections()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await connections(), "the server still holds the quitter's connection").toBe(0);
    const iterator = server[Symbol.asyncIterator]();
    const [, taken] = await Promise.all([stayer.send(Buffer.from("kept")), iterator.next()]);
    expect(Buffer.from(taken.value as Uint8Array).toString()).toBe("kept");
  });

  it("a refused connection is an AddressError that says where it tried", async () => {
    const endpoint = await rest.open(); // reserves a port; no consumer listens on it
    const error = await rest.producer(endpoint.address).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressError);
    expect((error as AddressError).code).toBe("ECONNREFUSED");
    expect((error as AddressError).message).toContain(endpoint.address.url);
    expect((error as AddressError).hint).toMatch(/start the consumer/);
    await endpoint.close();
  });

  it("a port in use is an AddressError for the consumer", async () => {
    const options: OpenOptions & { port: number } = { port: server.port };
    const endpoint = await rest.open(options);
    const error = await rest.consumer(endpoint.address).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressError);
    expect((error as AddressError).code).toBe("EADDRINUSE");
  });
});

function addressOf(s: MessageServer): RestAddress {
  return {
    url: `http://127.0.0.1:${s.port}`,
    listen: { host: "127.0.0.1", port: s.port },
    maxMessageSize: s.maxMessageSize,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
