/**
 * grpc-network never lets its port go between open() and the consumer: open() listens on port 0
 * and hands that listening socket to the consumer, in this process or in the consumer's own
 * process (over its IPC channel), so no other program can take the port in between; a producer
 * that comes before the consumer is turned away at once, as if nothing listened.
 */

import { createServer } from "node:net";
import { AddressError, listen, liveChildren, spawnConsumer, spawnProducer } from "@ipc-atlas/core";
import { afterAll, expect, it } from "vitest";
import { grpcNetwork } from "../src/index.ts";

afterAll(() => {
  expect(liveChildren()).toEqual([]);
});

/** Tries to listen on `port`: the typed error it fails with, or undefined when it could (and let go again). */
async function squat(port: number): Promise<unknown> {
  const server = createServer();
  try {
    await listen(server, "127.0.0.1", port);
  } catch (error) {
    return error;
  }
  await new Promise((resolve) => server.close(resolve));
  return undefined;
}

it("the port is held from open() on and served by a consumer in another process; free once it closes", async () => {
  const endpoint = await grpcNetwork.open();
  const { port } = endpoint.address;
  const before = await squat(port);
  expect(before, "another program could take the port before the consumer came").toBeInstanceOf(AddressError);
  expect((before as AddressError).code).toBe("EADDRINUSE");
  const consumer = await spawnConsumer(grpcNetwork, endpoint.address);
  const producer = await spawnProducer(grpcNetwork, endpoint.address);
  try {
    expect(consumer.pid).not.toBe(process.pid);
    const iterator = consumer[Symbol.asyncIterator]();
    const [, first] = await Promise.all([
      producer.send(Buffer.from("through the handed-over port")),
      iterator.next(),
    ]);
    expect(Buffer.from(first.value!).toString()).toBe("through the handed-over port");
    // The consumer's process serves the port; this process no longer holds a copy of it.
    const [, end] = await Promise.all([producer.close(), iterator.next()]);
    expect(end.done).toBe(true);
    await consumer.close();
  } finally {
    await producer.dispose();
    await consumer.dispose();
    await endpoint.close();
  }
  expect(await squat(port), "the port is free once the consumer closed").toBeUndefined();
});

it("a producer before its consumer fails fast; Endpoint.close() frees a port no consumer took", async () => {
  const endpoint = await grpcNetwork.open();
  const started = performance.now();
  const error = await grpcNetwork.producer(endpoint.address).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AddressError);
  expect((error as AddressError).code).toBe("ECONNREFUSED");
  expect(performance.now() - started, "turned away at once, not after the connect timeout").toBeLessThan(
    4000,
  );
  expect(await squat(endpoint.address.port)).toBeInstanceOf(AddressError);
  await endpoint.close();
  expect(await squat(endpoint.address.port)).toBeUndefined();
});
