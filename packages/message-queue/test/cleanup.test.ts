/**
 * A queue lives in the kernel until it is unlinked, so a leaked one outlives every process:
 * the variant's Endpoint.close() must unlink it, also after producer and consumer processes
 * used it, and also when a test failed halfway (the unlink is then in `finally`).
 */

import { spawnConsumer, spawnProducer } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { MessageQueue, messageQueues } from "../src/index.ts";

it("Endpoint.close() unlinks the queue after two processes used it, and is idempotent", async () => {
  const endpoint = await messageQueues.open();
  const { name } = endpoint.address;
  try {
    expect(MessageQueue.exists(name)).toBe(true);
    const consumer = await spawnConsumer(messageQueues, endpoint.address);
    const producer = await spawnProducer(messageQueues, endpoint.address);
    try {
      await producer.send(Buffer.from("through the kernel"));
      await producer.close();
      const received: string[] = [];
      for await (const m of consumer) received.push(Buffer.from(m).toString());
      expect(received).toEqual(["through the kernel"]);
    } finally {
      await producer.dispose();
      await consumer.dispose();
    }
    // The processes are gone; the queue is not, until the endpoint unlinks it.
    expect(MessageQueue.exists(name)).toBe(true);
    await endpoint.close();
    expect(MessageQueue.exists(name), `queue ${name} still exists after Endpoint.close()`).toBe(false);
    await endpoint.close();
  } finally {
    await MessageQueue.unlink(name).catch(() => {});
  }
});
