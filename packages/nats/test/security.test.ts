/**
 * Strangers against a real nats-server: the token lives in the server's 0600 config file (not
 * its command line) and the address; clients without it are refused; a message that is not an
 * envelope is dropped and counted; a subscriber that lets too much wait fails with a typed
 * slow-consumer error instead of growing; TLS with the wrong CA is refused.
 */

import { readFileSync, statSync } from "node:fs";
import { liveChildren, redactUrl, wrapData } from "@ipc-atlas/core";
import { connect } from "@nats-io/transport-node";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  liveNatsServers,
  NatsConnectionError,
  NatsSlowConsumerError,
  natsConnectOptions,
  natsConsumer,
  natsProducer,
  pubSubNatsOs,
} from "../src/index.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  expect(liveChildren()).toEqual([]);
});

describe("pub-sub-nats-os: the server requires the endpoint's token", () => {
  it("the token is in a 0600 config file, never on nats-server's command line; clients without it are refused", async () => {
    const endpoint = await pubSubNatsOs.open();
    cleanups.push(() => endpoint.close());
    const { token, servers } = endpoint.address;
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(servers[0]).not.toContain(token!);
    // The one server started in this test: read its command line as any local user could.
    const pids = liveNatsServers();
    expect(pids.length).toBe(1);
    const argv = readFileSync(`/proc/${pids[0]}/cmdline`, "utf8").split("\0");
    expect(argv.join(" ")).not.toContain(token!);
    const config = argv[argv.indexOf("-c") + 1]!;
    expect(readFileSync(config, "utf8")).toContain(token!);
    expect(statSync(config).mode & 0o777).toBe(0o600);

    await expect(natsConsumer({ ...endpoint.address, token: undefined })).rejects.toBeInstanceOf(
      NatsConnectionError,
    );
    await expect(natsProducer({ ...endpoint.address, token: "w".repeat(43) })).rejects.toThrow(
      /authorization/i,
    );
  });

  it("a message that is not an envelope is dropped and counted; the stream goes on", async () => {
    const endpoint = await pubSubNatsOs.open();
    cleanups.push(() => endpoint.close());
    const consumer = await natsConsumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const raw = await connect(natsConnectOptions(endpoint.address.servers, endpoint.address));
    cleanups.push(() => raw.close());
    const producer = await natsProducer(endpoint.address);
    await producer.send(Buffer.from("one"));
    await producer.flush();
    raw.publish(endpoint.address.subject, Buffer.from([7, 7, 7]));
    raw.publish(endpoint.address.subject, Buffer.from([1, 1]));
    await raw.flush();
    await producer.send(Buffer.from("two"));
    await producer.close();
    const received: string[] = [];
    for await (const message of consumer) received.push(Buffer.from(message).toString());
    expect(received).toEqual(["one", "two"]);
    expect(consumer.stats().dropped).toBe(2);
  });

  it("a subscriber that lets more than maxPending wait fails with NatsSlowConsumerError, after what it holds", async () => {
    const endpoint = await pubSubNatsOs.open();
    cleanups.push(() => endpoint.close());
    const consumer = await natsConsumer(endpoint.address, { maxPending: 10 });
    cleanups.push(() => consumer.close());
    const raw = await connect(natsConnectOptions(endpoint.address.servers, endpoint.address));
    cleanups.push(() => raw.close());
    for (let i = 0; i < 100; i++) raw.publish(endpoint.address.subject, wrapData(Buffer.from(`#${i}`)));
    await raw.flush();
    const received: string[] = [];
    const failure = await (async () => {
      for await (const message of consumer) received.push(Buffer.from(message).toString());
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NatsSlowConsumerError);
    expect(received).toEqual(Array.from({ length: 10 }, (_, i) => `#${i}`));
  });

  it("TLS: a client whose CA did not sign the server is refused; the right CA works", async () => {
    const endpoint = await pubSubNatsOs.open({ tls: true });
    cleanups.push(() => endpoint.close());
    const other = await pubSubNatsOs.open({ tls: true });
    await other.close();
    await expect(natsProducer({ ...endpoint.address, tls: other.address.tls! })).rejects.toBeInstanceOf(
      NatsConnectionError,
    );
    const consumer = await natsConsumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const producer = await natsProducer(endpoint.address);
    await producer.send(Buffer.from("over TLS"));
    await producer.close();
    const received: string[] = [];
    for await (const message of consumer) received.push(Buffer.from(message).toString());
    expect(received).toEqual(["over TLS"]);
  });
});

describe("credentials in NATS_URL", () => {
  it("are taken out of the URLs for nats.js and redacted wherever printed", () => {
    const options = natsConnectOptions(["nats://alice:s3cret@10.0.0.1:4222", "nats://tok123@10.0.0.2:4222"]);
    expect(options.servers).toEqual(["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"]);
    expect(options).toMatchObject({ user: "alice", pass: "s3cret", token: "tok123" });
    expect(redactUrl("could not connect to nats://alice:s3cret@10.0.0.1:4222")).toBe(
      "could not connect to nats://[redacted]@10.0.0.1:4222",
    );
  });
});
