import { connect } from "@nats-io/transport-node";
import { afterEach, expect, it } from "vitest";
import { JetStreamQueue } from "../src/jetstream/index.ts";

// The servers a queue starts for itself want the address's token: without it, any local user
// could read the stream or delete it through $JS.API.
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

it.skipIf(process.env.NATS_URL !== undefined)(
  "a queue's own nats-server refuses a client without the address's token, and takes one with it",
  async () => {
    const queue = await JetStreamQueue.open();
    cleanups.push(() => queue.close());
    expect(queue.address.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const servers = queue.address.servers;
    await expect(connect({ servers, reconnect: false })).rejects.toThrow(/authorization/i);
    await expect(connect({ servers, token: "not-the-token", reconnect: false })).rejects.toThrow(
      /authorization/i,
    );
    const producer = await JetStreamQueue.producer(queue.address);
    await producer.send(new TextEncoder().encode("with the token"));
    await producer.close();
    expect((await queue.info()).messages).toBeGreaterThan(0);
  },
);
