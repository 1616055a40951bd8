/**
 * Nothing left behind: closing a queue deletes its stream, and a queue that started its own
 * nats-server stops it and removes its store; attaching to a closed queue is a typed error.
 */

import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { liveChildren, spawnConsumer, spawnProducer } from "@ipc-atlas/core";
import { liveNatsServers, natsUrlsFromEnv, startNatsServer } from "@ipc-atlas/nats";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterEach, expect, it } from "vitest";
import { JetStreamQueue, JetStreamQueueError, messageQueuesJetStream } from "../src/jetstream/index.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it.skipIf(natsUrlsFromEnv() !== undefined)(
  "a queue that started its own nats-server leaves no server process, peer process or temp dir",
  async () => {
    const queue = await JetStreamQueue.open();
    cleanups.push(() => queue.close());
    const server = queue.server!;
    const { pid, storeDir } = server;
    expect(alive(pid)).toBe(true);
    expect(existsSync(storeDir!)).toBe(true);

    const consumer = await spawnConsumer(messageQueuesJetStream, queue.address);
    const producer = await spawnProducer(messageQueuesJetStream, queue.address);
    await producer.send(Buffer.from("one"));
    await producer.close();
    const received: string[] = [];
    for await (const m of consumer) received.push(Buffer.from(m).toString());
    expect(received).toEqual(["one"]);
    await producer.dispose();
    await consumer.dispose();

    await queue.close();
    await queue.close(); // idempotent
    expect(server.running).toBe(false);
    expect(alive(pid)).toBe(false);
    expect(liveNatsServers()).not.toContain(pid);
    expect(existsSync(dirname(storeDir!))).toBe(false);
    expect(liveChildren()).toEqual([]);
  },
);

it("closing a queue on servers it did not start deletes its stream and leaves the server running", async () => {
  const server = await startNatsServer({ jetstream: true });
  cleanups.push(() => server.stop());
  const queue = await JetStreamQueue.open({ servers: [server.url] });
  cleanups.push(() => queue.close());
  expect(queue.server).toBeUndefined();

  const nc = await connect({ servers: server.url });
  cleanups.push(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const names = async () => {
    const all: string[] = [];
    for await (const name of jsm.streams.names()) all.push(name);
    return all;
  };
  expect(await names()).toContain(queue.address.stream);
  await queue.close();
  expect(await names()).not.toContain(queue.address.stream);
  expect(server.running).toBe(true);

  // Attaching to the deleted queue says what happened and what to do.
  const attach = JetStreamQueue.consumer(queue.address);
  await expect(attach).rejects.toBeInstanceOf(JetStreamQueueError);
  await expect(attach).rejects.toMatchObject({ code: "ENOQUEUE" });
});

it("a message size the server cannot carry is refused when the queue is opened, with the limit named", async () => {
  const server = await startNatsServer({ jetstream: true });
  cleanups.push(() => server.stop());
  const opening = JetStreamQueue.open({ servers: [server.url], maxMessageSize: 8 * 1024 * 1024 });
  await expect(opening).rejects.toMatchObject({ code: "EMSGSIZE" });
  await expect(opening).rejects.toThrow(/max_payload/);
});

it("a server without JetStream is a typed error that says how to start one", async () => {
  const server = await startNatsServer();
  cleanups.push(() => server.stop());
  await expect(JetStreamQueue.open({ servers: [server.url] })).rejects.toMatchObject({
    code: "ENOJETSTREAM",
  });
});
