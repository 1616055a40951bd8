/**
 * At-least-once across crashes: a consumer process killed with kill -9 before it acked gets
 * its messages redelivered to the next consumer, and neither that nor a nats-server restart
 * loses a message the server acknowledged to the producer.
 */

import { type RemoteConsumer, type RemoteProducer, spawnConsumer, spawnProducer } from "@ipc-atlas/core";
import { type NatsServer, startNatsServer } from "@ipc-atlas/nats";
import { afterEach, expect, it } from "vitest";
import { JetStreamQueue, messageQueuesJetStream } from "../src/jetstream/index.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function sequenced(seq: number): Uint8Array {
  const message = Buffer.alloc(64, seq & 0xff);
  message.writeUInt32BE(seq, 0);
  return message;
}

const seqOf = (message: Uint8Array) => Buffer.from(message).readUInt32BE(0);

async function startServer(): Promise<NatsServer> {
  const server = await startNatsServer({ jetstream: true });
  cleanups.push(() => server.stop());
  return server;
}

async function openQueue(server: NatsServer, maxAckPending: number): Promise<JetStreamQueue> {
  // A short ack_wait so that a dead consumer's messages come back within the test.
  const queue = await JetStreamQueue.open({ servers: [server.url], ackWaitMs: 1000, maxAckPending });
  cleanups.push(() => queue.close());
  return queue;
}

async function producerFor(queue: JetStreamQueue): Promise<RemoteProducer> {
  const producer = await spawnProducer(messageQueuesJetStream, queue.address);
  cleanups.push(() => producer.dispose());
  return producer;
}

async function consumerFor(queue: JetStreamQueue): Promise<RemoteConsumer> {
  const consumer = await spawnConsumer(messageQueuesJetStream, queue.address);
  cleanups.push(() => consumer.dispose());
  return consumer;
}

/** Takes `n` messages (or all, until the END) from a consumer in another process. */
async function take(
  consumer: RemoteConsumer,
  counts: Uint32Array,
  n = Number.POSITIVE_INFINITY,
): Promise<number[]> {
  const taken: number[] = [];
  const iterator = consumer[Symbol.asyncIterator]();
  while (taken.length < n) {
    const result = await iterator.next();
    if (result.done) break;
    const seq = seqOf(result.value);
    counts[seq]! += 1;
    taken.push(seq);
  }
  return taken;
}

it("a consumer killed with kill -9 before acking gets its message redelivered to the next consumer: 200 sent, 0 lost", async () => {
  const n = 200;
  const window = 64;
  const server = await startServer();
  const queue = await openQueue(server, window);
  const producer = await producerFor(queue);
  for (let seq = 0; seq < n; seq++) await producer.send(sequenced(seq));
  await producer.close();

  const counts = new Uint32Array(n);
  const first = await consumerFor(queue);
  const takenByFirst = await take(first, counts, 50);
  // The 50th message is in the consumer's hands: it acks a message only when it takes the next.
  const inHand = takenByFirst.at(-1)!;
  first.kill("SIGKILL");
  await first.dispose();

  const second = await consumerFor(queue);
  const takenBySecond = await take(second, counts);
  const lost = [...counts].filter((c) => c === 0).length;
  const duplicates = takenByFirst.length + takenBySecond.length - n;
  console.log(
    `kill -9 at 50 of ${n}: ${lost} lost, ${duplicates} redelivered duplicate(s), window ${window}`,
  );
  expect(lost).toBe(0);
  expect(takenBySecond).toContain(inHand);
  expect(duplicates).toBeGreaterThanOrEqual(1);
  expect(duplicates).toBeLessThanOrEqual(window);
});

it("kill -9 of the consumer at 5,000 of 10,000 and a nats-server restart: 0 acknowledged messages lost, duplicates within the unacked window", async () => {
  const n = 10_000;
  const window = 64;
  const server = await startServer();
  const queue = await openQueue(server, window);
  const producer = await producerFor(queue);
  // Every send resolves only on the server's PubAck: each one is a message the server
  // acknowledged as stored. The first 6,000 go before the crash, the rest into the outage.
  const send = (from: number, to: number) =>
    Promise.all(Array.from({ length: to - from }, (_, i) => producer.send(sequenced(from + i))));
  const early = send(0, 6000);

  const counts = new Uint32Array(n);
  const first = await consumerFor(queue);
  const takenByFirst = await take(first, counts, 5000);
  first.kill("SIGKILL");
  await first.dispose();
  await early;
  // The outage: messages and the consumer's state on disk, the producer retrying its
  // publishes with the same message ids until the server is back.
  const late = send(6000, n).then(() => producer.close());
  await server.restart({ downMs: 200 });

  const second = await consumerFor(queue);
  const takenBySecond = await take(second, counts);
  await late;

  const lost = counts.reduce((sum, c) => sum + (c === 0 ? 1 : 0), 0);
  const duplicates = takenByFirst.length + takenBySecond.length - n;
  console.log(
    `kill -9 at 5000 of ${n} + server restart: ${lost} lost, ${duplicates} duplicate(s) (bound: window of ${window} unacked)`,
  );
  expect(lost).toBe(0);
  expect(duplicates).toBeLessThanOrEqual(window);
  const left = await queue.info();
  expect(left.messages).toBe(0);
});
