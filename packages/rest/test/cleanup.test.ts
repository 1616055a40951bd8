/**
 * Nothing left behind: after a producer/consumer pair in separate processes is disposed, no
 * child process runs and the port is free again; a consumer closed in-process frees its port
 * at once even with a keep-alive connection open and a request waiting on it.
 */

import { connect, createServer } from "node:net";
import { liveChildren } from "@ipc-atlas/core";
import { openPair } from "@ipc-atlas/core/conformance";
import { expect, it } from "vitest";
import { MessageClient, type RestAddress, rest, restConsumer } from "../src/index.ts";

/** True when nothing listens on the port: a connection is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/** True when this process can listen on the port again. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

it("a pair in two processes leaves no child process and no listening port behind", async () => {
  const pair = await openPair(rest);
  const { port } = (pair.endpoint.address as RestAddress).listen;
  try {
    expect(liveChildren()).toHaveLength(2);
    expect(await refused(port)).toBe(false);
    const iterator = pair.consumer[Symbol.asyncIterator]();
    const [, taken] = await Promise.all([pair.producer.send(Buffer.from("one")), iterator.next()]);
    expect(Buffer.from(taken.value as Uint8Array).toString()).toBe("one");
  } finally {
    await pair.dispose();
  }
  expect(liveChildren()).toEqual([]);
  expect(await refused(port)).toBe(true);
  expect(await bindable(port)).toBe(true);
});

it("consumer.close() frees the port within a second, with an idle keep-alive connection and a waiting send", async () => {
  const endpoint = await rest.open();
  const consumer = await restConsumer(endpoint.address);
  const idle = new MessageClient({
    url: endpoint.address.url,
    maxMessageSize: endpoint.address.maxMessageSize,
    token: endpoint.address.token,
  });
  const waiting = new MessageClient({
    url: endpoint.address.url,
    maxMessageSize: endpoint.address.maxMessageSize,
    token: endpoint.address.token,
  });
  try {
    await idle.connect(); // leaves a keep-alive connection open and idle
    const pending = waiting.send(Buffer.from("never taken")).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await consumer.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toMatchObject({ status: 503 });
    expect(await refused(endpoint.address.listen.port)).toBe(true);
  } finally {
    await idle.destroy();
    await waiting.destroy();
    await consumer.close();
    await endpoint.close();
  }
});
