/**
 * Strangers and floods against the real express server, consumer in its own process where it
 * matters: the token (401 + WWW-Authenticate, nothing received), TLS with the wrong CA, the
 * refusal to listen beyond loopback without TLS, and a pipelined flood that must meet 503s
 * instead of growing the consumer's memory.
 */

import { connect } from "node:net";
import {
  AuthError,
  InsecureListenError,
  InvalidLimitError,
  liveChildren,
  spawnConsumer,
  spawnProducer,
  TlsVerifyError,
} from "@ipc-atlas/core";
import { Client, request } from "undici";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MessageServer, rest } from "../src/index.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  expect(liveChildren()).toEqual([]);
});

describe("rest: a token per endpoint", () => {
  it("a request without the token gets 401 with WWW-Authenticate, a wrong one an AuthError; the consumer receives only the real message", async () => {
    const endpoint = await rest.open();
    expect(endpoint.address.token).toMatch(/^[\w-]{43}$/);
    const consumer = await spawnConsumer(rest, endpoint.address);
    cleanups.push(() => consumer.dispose());
    const stranger = await request(`${endpoint.address.url}/messages`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: "intruder",
    });
    expect(stranger.statusCode).toBe(401);
    expect(stranger.headers["www-authenticate"]).toBe('Bearer realm="ipc-atlas"');
    await stranger.body.dump();
    const foreignEnd = await request(`${endpoint.address.url}/close`, { method: "POST" });
    expect(foreignEnd.statusCode).toBe(401);
    await foreignEnd.body.dump();
    await expect(spawnProducer(rest, { ...endpoint.address, token: "y".repeat(43) })).rejects.toBeInstanceOf(
      AuthError,
    );
    const producer = await spawnProducer(rest, endpoint.address);
    cleanups.push(() => producer.dispose());
    const sending = producer.send(Buffer.from("real"));
    const iterator = consumer[Symbol.asyncIterator]();
    const first = await iterator.next();
    await sending;
    // The strangers' message and END were refused before any body was read: the next thing
    // the consumer takes is the real producer's end.
    const [, end] = await Promise.all([producer.close(), iterator.next()]);
    expect(Buffer.from(first.value!).toString()).toBe("real");
    expect(end.done).toBe(true);
  });

  it("limits that are not numbers are typed errors", async () => {
    await expect(rest.open({ maxMessageSize: Number.NaN })).rejects.toBeInstanceOf(InvalidLimitError);
    await expect(rest.open({ maxWaiting: 0 })).rejects.toBeInstanceOf(InvalidLimitError);
  });
});

describe("rest beyond loopback", () => {
  it("refuses 0.0.0.0 without TLS, naming tls and insecure; insecure listens there", async () => {
    const refused = rest.open({ host: "0.0.0.0" });
    await expect(refused).rejects.toBeInstanceOf(InsecureListenError);
    await expect(refused).rejects.toThrow(/tls: true.*insecure: true/);
    const endpoint = await rest.open({ host: "0.0.0.0", insecure: true });
    expect(endpoint.address.token).toBeUndefined();
    const consumer = await rest.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const reply = await request(`http://127.0.0.1:${endpoint.address.listen.port}/health`);
    expect(reply.statusCode).toBe(200);
    await reply.body.dump();
  });

  it("HTTPS: a producer whose CA did not sign the server is refused; the right CA works", async () => {
    const endpoint = await rest.open({ tls: true });
    const other = await rest.open({ tls: true });
    expect(endpoint.address.url).toMatch(/^https:/);
    const consumer = await rest.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const wrongCa = { ...endpoint.address, tls: { ...endpoint.address.tls!, ca: other.address.tls!.ca } };
    await expect(rest.producer(wrongCa)).rejects.toBeInstanceOf(TlsVerifyError);
    const producer = await rest.producer(endpoint.address);
    const iterator = consumer[Symbol.asyncIterator]();
    const taking = iterator.next();
    await producer.send(Buffer.from("over https"));
    expect(Buffer.from((await taking).value!).toString()).toBe("over https");
    // POST /close is answered once the iteration has taken the end.
    const [, end] = await Promise.all([producer.close(), iterator.next()]);
    expect(end.done).toBe(true);
  });
});

describe("rest under a flood", () => {
  it("past maxWaiting the answer is 503 with Retry-After", async () => {
    const server = await MessageServer.start({ token: "t".repeat(20), maxWaiting: 2 });
    cleanups.push(() => server.close());
    const clients = [0, 1, 2].map(() => new Client(`http://127.0.0.1:${server.port}`));
    cleanups.push(() => Promise.all(clients.map((c) => c.destroy())));
    const post = (client: Client) =>
      client.request({
        method: "POST",
        path: "/messages",
        headers: { authorization: `Bearer ${"t".repeat(20)}`, "content-type": "application/octet-stream" },
        body: "x",
      });
    void post(clients[0]!).catch(() => {});
    void post(clients[1]!).catch(() => {});
    while (server.waiting.count < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const third = await post(clients[2]!);
    expect(third.statusCode).toBe(503);
    expect(third.headers["retry-after"]).toBe("1");
    expect(((await third.body.json()) as { error: { code: string } }).error.code).toBe("EBUSY");
    expect(server.refused.busy).toBe(1);
  });

  it("32 connections x 100 pipelined 64 KiB POSTs to a consumer that takes nothing: RSS growth under 64 MiB, 503s", async () => {
    const endpoint = await rest.open();
    const consumer = await spawnConsumer(rest, endpoint.address);
    cleanups.push(() => consumer.dispose());
    const before = await consumer.rss();
    // A raw socket, since undici does not pipeline requests with a body: 100 POSTs written back
    // to back on each connection, before any answer.
    const body = Buffer.alloc(64 * 1024, 7);
    const { hostname, port } = new URL(endpoint.address.url);
    const post = Buffer.concat([
      Buffer.from(
        `POST /messages HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${endpoint.address.token}\r\n` +
          `content-type: application/octet-stream\r\ncontent-length: ${body.byteLength}\r\n\r\n`,
      ),
      body,
    ]);
    const answers: string[] = [];
    const sockets = Array.from({ length: 32 }, (_, i) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.on("error", () => {});
      answers[i] = "";
      socket.on("data", (chunk: Buffer) => {
        answers[i] += chunk.toString("latin1");
      });
      for (let n = 0; n < 100; n++) socket.write(post);
      return socket;
    });
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    const statuses = () =>
      answers
        .join("")
        .match(/HTTP\/1\.1 \d{3}/g)
        ?.map((s) => Number(s.slice(9))) ?? [];
    // The flood has no natural end to wait for (the consumer takes nothing and HTTP/1.1 answers
    // in order): give it time to arrive, bounded, then measure.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const after = await consumer.rss();
    process.stdout.write(
      `rest flood: consumer RSS ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB\n`,
    );
    expect(after - before).toBeLessThan(64 * 2 ** 20);
    // Closing the consumer answers what waits (503), which lets the queued 503 EBUSY answers out.
    await consumer.close();
    const deadline = Date.now() + 5000;
    while (!statuses().includes(503) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(statuses().filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses()).not.toContain(204);
  }, 60_000);
});
