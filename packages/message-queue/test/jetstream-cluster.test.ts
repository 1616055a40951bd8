/**
 * The queue on a three-node JetStream cluster: `cluster: true` starts one for the queue, and
 * the stream (and its consumer) keep three replicas — as they do by default whenever the queue
 * runs on three or more servers, NATS_URL naming them included. Closing the queue stops the
 * cluster it started and removes every node's directory.
 */

import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { liveNatsServers, startJetStreamCluster } from "@ipc-atlas/nats";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterEach, expect, it } from "vitest";
import { JetStreamQueue } from "../src/jetstream/index.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function replicasOf(servers: string[], stream: string, token?: string) {
  const nc = await connect({ servers, ...(token ? { token } : {}) });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const consumer = await jsm.consumers.info(stream, "consumers");
    return {
      stream: info.config.num_replicas,
      peers: 1 + (info.cluster?.replicas?.length ?? 0),
      consumer: consumer.config.num_replicas,
    };
  } finally {
    await nc.close();
  }
}

it.skipIf(process.env.NATS_URL !== undefined)(
  "cluster: true starts three JetStream nodes, the stream keeps 3 replicas, and close() leaves no server or directory",
  async () => {
    const queue = await JetStreamQueue.open({ cluster: true });
    cleanups.push(() => queue.close());
    const cluster = queue.cluster!;
    expect(queue.server).toBeUndefined();
    expect(queue.address.servers).toEqual(cluster.urls);
    expect(queue.replicas).toBe(3);
    const replicas = await replicasOf(cluster.urls, queue.address.stream, queue.address.token);
    expect(replicas.stream).toBe(3);
    expect(replicas.peers).toBe(3);
    // The durable consumer inherits the stream's replicas (0 in its config means "as the stream").
    expect([0, 3]).toContain(replicas.consumer ?? 0);

    const producer = await JetStreamQueue.producer(queue.address);
    for (let i = 0; i < 100; i++) await producer.send(Buffer.from(`#${i}`));
    await producer.close();
    const consumer = await JetStreamQueue.consumer(queue.address);
    const received: string[] = [];
    for await (const m of consumer) received.push(Buffer.from(m).toString());
    await consumer.close();
    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => `#${i}`));

    const nodes = cluster.servers.map((s) => ({ pid: s.pid, dir: dirname(s.storeDir!) }));
    await queue.close();
    for (const { pid, dir } of nodes) {
      expect(liveNatsServers()).not.toContain(pid);
      expect(existsSync(dir)).toBe(false);
    }
  },
  60_000,
);

it("NATS_URL naming three servers makes 3 replicas the default; one server, 1", async () => {
  const cluster = await startJetStreamCluster();
  cleanups.push(() => cluster.stop());
  const saved = process.env.NATS_URL;
  cleanups.push(async () => {
    if (saved === undefined) delete process.env.NATS_URL;
    else process.env.NATS_URL = saved;
  });
  process.env.NATS_URL = cluster.urls.join(",");
  const three = await JetStreamQueue.open();
  cleanups.push(() => three.close());
  expect(three.replicas).toBe(3);
  expect((await replicasOf(cluster.urls, three.address.stream)).stream).toBe(3);

  process.env.NATS_URL = cluster.urls[0]!;
  const one = await JetStreamQueue.open();
  cleanups.push(() => one.close());
  expect(one.replicas).toBe(1);
  expect((await replicasOf(cluster.urls, one.address.stream)).stream).toBe(1);

  await expect(JetStreamQueue.open({ servers: cluster.urls, replicas: 7 })).rejects.toMatchObject({
    code: "EINVAL",
  });
});
