/**
 * Deduplication: the server stores a message once per `Nats-Msg-Id` within the stream's
 * duplicate window, so a producer that resends (after a timeout, or after a restart) does
 * not store a message twice.
 */

import { spawnScript } from "@ipc-atlas/core";
import { afterEach, expect, it } from "vitest";
import { addressEnv, JetStreamQueue, type SendReceipt } from "../src/jetstream/index.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function openQueue(): Promise<JetStreamQueue> {
  const queue = await JetStreamQueue.open();
  cleanups.push(() => queue.close());
  return queue;
}

it("the same Nats-Msg-Id twice stores one message", async () => {
  const queue = await openQueue();
  const producer = await JetStreamQueue.producer(queue.address);
  cleanups.push(() => producer.close());
  const first = await producer.publish(Buffer.from("charge card 42"), { msgId: "payment-42" });
  const again = await producer.publish(Buffer.from("charge card 42"), { msgId: "payment-42" });
  expect(first.duplicate).toBe(false);
  expect(again.duplicate).toBe(true);
  expect(again.streamSequence).toBe(first.streamSequence);
  expect((await queue.info()).messages).toBe(1);

  const consumer = await JetStreamQueue.consumer(queue.address);
  cleanups.push(() => consumer.close());
  const delivery = await consumer.receive();
  expect(Buffer.from(delivery!.data).toString()).toBe("charge card 42");
  expect(delivery!.msgId).toBe("payment-42");
  await delivery!.ack();
  expect((await queue.info()).messages).toBe(0);
});

it("a producer process restarted under the same id resends 10 messages and the stream still holds 10", async () => {
  const queue = await openQueue();
  const run = async (): Promise<SendReceipt[]> => {
    const child = spawnScript(new URL("../examples/05-jetstream-resend.ts", import.meta.url), {
      env: addressEnv(queue.address),
      args: ["orders", "10"],
    });
    cleanups.push(async () => child.kill("SIGKILL"));
    const receipts = new Promise<SendReceipt[]>((resolve) =>
      child.process.on("message", (m: { receipts?: SendReceipt[] }) => m.receipts && resolve(m.receipts)),
    );
    expect(await child.exited).toBe(0);
    return receipts;
  };
  const firstRun = await run();
  const secondRun = await run();
  expect(firstRun.map((r) => r.duplicate)).toEqual(Array(10).fill(false));
  expect(secondRun.map((r) => r.duplicate)).toEqual(Array(10).fill(true));
  expect(secondRun.map((r) => r.msgId)).toEqual(firstRun.map((r) => r.msgId));
  expect((await queue.info()).messages).toBe(10);
});
