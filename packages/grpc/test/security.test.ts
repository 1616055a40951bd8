/**
 * Strangers and floods against a real gRPC server: the token (UNAUTHENTICATED before any
 * service sees the call, nothing received), TLS with the wrong CA, the refusal to listen beyond
 * loopback without TLS, and 10,000 unary calls without a deadline against a consumer in its own
 * process that takes nothing: RESOURCE_EXHAUSTED instead of unbounded memory.
 */

import { credentials, type ServiceError, status as Status } from "@grpc/grpc-js";
import {
  InsecureListenError,
  InvalidLimitError,
  liveChildren,
  spawnConsumer,
  spawnProducer,
  TlsVerifyError,
} from "@ipc-atlas/core";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { GrpcError, grpcNetwork, MessagesClientConstructor } from "../src/index.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  expect(liveChildren()).toEqual([]);
});

type RawSend = (request: { data: Uint8Array }, callback: (error: ServiceError | null) => void) => unknown;

/** A client that speaks the Messages service with no token and no deadline: the stranger. */
function rawSend(target: string): { send: RawSend; end: RawSend; close(): void } {
  const client = new MessagesClientConstructor(target, credentials.createInsecure());
  const methods = client as unknown as Record<"Send" | "End", RawSend>;
  return { send: methods.Send.bind(client), end: methods.End.bind(client), close: () => client.close() };
}

const statusOf = (call: (cb: (error: ServiceError | null) => void) => unknown) =>
  new Promise<number>((resolve) => call((error) => resolve(error?.code ?? Status.OK)));

describe("grpc-network: a token per endpoint", () => {
  it("calls without the token end UNAUTHENTICATED (End too), a wrong token fails the send; only the real message is received", async () => {
    const endpoint = await grpcNetwork.open();
    expect(endpoint.address.token).toMatch(/^[\w-]{43}$/);
    const consumer = await grpcNetwork.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const stranger = rawSend(endpoint.address.target);
    cleanups.push(() => stranger.close());
    expect(await statusOf((cb) => stranger.send({ data: Buffer.from("intruder") }, cb))).toBe(
      Status.UNAUTHENTICATED,
    );
    expect(await statusOf((cb) => stranger.end({ data: Buffer.alloc(0) }, cb))).toBe(Status.UNAUTHENTICATED);
    const wrong = await spawnProducer(grpcNetwork, { ...endpoint.address, token: "z".repeat(43) });
    cleanups.push(() => wrong.dispose());
    const refused = await wrong.send(Buffer.from("wrong token")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GrpcError);
    expect((refused as GrpcError).statusName).toBe("UNAUTHENTICATED");
    expect(consumer.refused.unauthenticated).toBe(3);
    const producer = await spawnProducer(grpcNetwork, endpoint.address);
    cleanups.push(() => producer.dispose());
    const iterator = consumer[Symbol.asyncIterator]();
    const [, first] = await Promise.all([producer.send(Buffer.from("real")), iterator.next()]);
    const [, end] = await Promise.all([producer.close(), iterator.next()]);
    expect(Buffer.from(first.value!).toString()).toBe("real");
    expect(end.done).toBe(true);
  });

  it("limits that are not numbers are typed errors", async () => {
    await expect(grpcNetwork.open({ maxMessageSize: Number.NaN })).rejects.toBeInstanceOf(InvalidLimitError);
    await expect(grpcNetwork.open({ deadlineMs: -1 })).rejects.toBeInstanceOf(InvalidLimitError);
  });
});

describe("grpc-network beyond loopback", () => {
  it("refuses 0.0.0.0 without TLS, naming tls and insecure; insecure listens there", async () => {
    const refused = grpcNetwork.open({ host: "0.0.0.0" });
    await expect(refused).rejects.toBeInstanceOf(InsecureListenError);
    await expect(refused).rejects.toThrow(/tls: true.*insecure: true/);
    const endpoint = await grpcNetwork.open({ host: "0.0.0.0", insecure: true });
    expect(endpoint.address.token).toBeUndefined();
    const consumer = await grpcNetwork.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const producer = await grpcNetwork.producer(endpoint.address);
    const iterator = consumer[Symbol.asyncIterator]();
    const [, first] = await Promise.all([producer.send(Buffer.from("plain")), iterator.next()]);
    expect(Buffer.from(first.value!).toString()).toBe("plain");
    await Promise.all([producer.close(), iterator.next()]);
  });

  it("TLS: a producer whose CA did not sign the server is refused; the right CA works", async () => {
    const endpoint = await grpcNetwork.open({ tls: true });
    const other = await grpcNetwork.open({ tls: true });
    const consumer = await grpcNetwork.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const wrongCa = { ...endpoint.address, tls: { ...endpoint.address.tls!, ca: other.address.tls!.ca } };
    await expect(spawnProducer(grpcNetwork, wrongCa)).rejects.toBeInstanceOf(TlsVerifyError);
    const producer = await grpcNetwork.producer(endpoint.address);
    const iterator = consumer[Symbol.asyncIterator]();
    const [, first] = await Promise.all([producer.send(Buffer.from("over TLS")), iterator.next()]);
    expect(Buffer.from(first.value!).toString()).toBe("over TLS");
    await Promise.all([producer.close(), iterator.next()]);
  });
});

describe("grpc-network under a flood", () => {
  it("10,000 unary calls of 4 KiB without a deadline to a consumer that takes nothing: RESOURCE_EXHAUSTED, retained memory growth under 64 MiB", async () => {
    const endpoint = await grpcNetwork.open();
    const consumer = await spawnConsumer(grpcNetwork, endpoint.address);
    cleanups.push(() => consumer.dispose());
    const before = await consumer.rss();
    const retainedBefore = await consumer.retainedBytes();
    const token = endpoint.address.token!;
    // Twenty channels, since one connection may carry at most 100 calls at once.
    const clients = Array.from(
      { length: 20 },
      () =>
        new MessagesClientConstructor(endpoint.address.target, credentials.createInsecure(), {
          // A connection of its own each (grpc-js shares one between equal channels by default).
          "grpc.use_local_subchannel_pool": 1,
        }),
    );
    cleanups.push(() => {
      for (const client of clients) client.close();
    });
    const data = Buffer.alloc(4 * 1024, 3);
    const codes: number[] = [];
    const { Metadata } = await import("@grpc/grpc-js");
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    for (let i = 0; i < 10_000; i++) {
      const client = clients[i % clients.length] as unknown as Record<
        "Send",
        (r: unknown, m: unknown, cb: (e: ServiceError | null) => void) => void
      >;
      client.Send({ data }, metadata, (error) => codes.push(error?.code ?? Status.OK));
    }
    // Every call past the cap is answered at once; the ones within it wait (no deadline).
    const deadline = Date.now() + 150_000;
    while (codes.length < 10_000 - 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const after = await consumer.rss();
    const retained = await consumer.retainedBytes();
    const exhausted = codes.filter((c) => c === Status.RESOURCE_EXHAUSTED).length;
    process.stdout.write(
      `grpc-network flood: consumer RSS ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB, ` +
        `retained +${((retained - retainedBefore) / 2 ** 20).toFixed(1)} MiB, ${exhausted} RESOURCE_EXHAUSTED\n`,
    );
    expect(exhausted).toBeGreaterThanOrEqual(10_000 - 1024);
    expect(codes).not.toContain(Status.OK);
    // What the consumer holds (1,024 waiting calls) stays far below 64 MiB. RSS is reported but
    // not asserted: the ~9,000 refused calls are garbage that V8 promotes while up to 20 x 100
    // streams are in flight, and it sizes the heap to that allocation rate; RSS grows with it and
    // does not come back down. Heap limits are options of the process, not of this library.
    // docs/notes/grpc-flood-memory.md has the breakdown and the command.
    expect(retained - retainedBefore).toBeLessThan(64 * 2 ** 20);
  }, 200_000);
});
