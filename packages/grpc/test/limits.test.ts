/**
 * Deadlines and size limits (issue 8, item 10), with real processes on both sides:
 * - a 100 ms deadline against a consumer that does not read ends within 200 ms, the server sees
 *   the cancellation, and the withdrawn message is never delivered;
 * - 8 MiB each way is RESOURCE_EXHAUSTED with the default 4 MiB limits, as a typed GrpcError;
 *   the producer refuses it itself with MessageTooLargeError;
 * - a slow reader of a client stream keeps both processes' memory bounded.
 */

import assert from "node:assert/strict";
import { credentials, Metadata, type ServiceError, status as Status } from "@grpc/grpc-js";
import {
  errorFromJSON,
  type IpcErrorJSON,
  MessageTooLargeError,
  sendListener,
  spawnConsumer,
  spawnProducer,
} from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_GRPC_MESSAGE_LIMIT,
  defaultMaxMessageSize,
  type GrpcAddressBase,
  GrpcError,
  type GrpcVariant,
  grpcNetwork,
  grpcOs,
  MessagesClientConstructor,
  toGrpcError,
} from "../src/index.ts";
import { nextMessage, sleep, startFixture, stop } from "./helpers.ts";

type RawUnary = (
  request: { data: Uint8Array },
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null) => void,
) => void;

const EIGHT_MIB = 8 * 1024 * 1024;
const grpcVariants = [grpcOs, grpcNetwork] as unknown as GrpcVariant<GrpcAddressBase>[];

describe.each(grpcVariants)("$id limits", (variant) => {
  it("a 100 ms deadline against a consumer that does not read fails within 200 ms; the server sees the cancellation", async () => {
    const endpoint = await variant.open({ deadlineMs: 100 });
    let sawCancellation: (message: Uint8Array) => void = () => {};
    const cancelled = new Promise<Uint8Array>((resolve) => {
      sawCancellation = resolve;
    });
    // The consumer (the gRPC server) lives here so the test can watch it; it does not read yet.
    const consumer = await variant.consumer(endpoint.address, { onSendCancelled: (m) => sawCancellation(m) });
    const producer = startFixture("deadline-producer.ts", [variant.id, JSON.stringify(endpoint.address)]);
    try {
      const iterator = consumer[Symbol.asyncIterator]();
      const warmUp = await iterator.next();
      expect(Buffer.from(warmUp.value as Uint8Array).toString()).toBe("warm-up");
      // Now the consumer sleeps: it takes nothing while the next send's deadline runs out.
      const outcome = await nextMessage<{ elapsedMs?: number; timerMs: number; error: IpcErrorJSON | null }>(
        producer,
        (m) => typeof m?.elapsedMs === "number",
      );
      const error = outcome.error && errorFromJSON(outcome.error);
      expect(error, "the send failed, and its error crossed the process boundary typed").toBeInstanceOf(
        GrpcError,
      );
      expect((error as GrpcError).status).toBe(Status.DEADLINE_EXCEEDED);
      expect((error as GrpcError).code).toBe("GRPC_DEADLINE_EXCEEDED");
      const elapsed = outcome.elapsedMs!;
      // On a loaded machine every timer fires late; what gRPC itself adds is measured beyond that lag.
      const timerLag = Math.max(0, outcome.timerMs - 100);
      console.log(
        `${variant.id}: 100 ms deadline -> DEADLINE_EXCEEDED after ${elapsed.toFixed(1)} ms ` +
          `(a plain 100 ms timer fired after ${outcome.timerMs.toFixed(1)} ms)`,
      );
      expect(elapsed, `the send failed after ${elapsed.toFixed(0)} ms`).toBeGreaterThanOrEqual(90);
      expect(
        elapsed - timerLag,
        `the send failed after ${elapsed.toFixed(0)} ms, timers ran ${timerLag.toFixed(0)} ms late`,
      ).toBeLessThan(200);

      const withdrawn = await Promise.race([cancelled, sleep(1000).then(() => null)]);
      expect(withdrawn && Buffer.from(withdrawn).toString(), "the server saw the cancellation").toBe(
        "nobody takes me",
      );
      expect(consumer.cancelledSends).toBe(1);

      // The withdrawn message is never delivered: after End the iteration ends with nothing more.
      producer.process.send({ close: true });
      expect((await iterator.next()).done).toBe(true);
      await nextMessage<{ closed?: boolean }>(producer, (m) => m?.closed === true);
    } finally {
      await stop(producer);
      await consumer.close();
      await endpoint.close();
    }
  });

  it("8 MiB from client to server: the producer refuses it (MessageTooLargeError), a raw client gets RESOURCE_EXHAUSTED from the server", async () => {
    const endpoint = await variant.open();
    expect(endpoint.maxMessageSize).toBe(defaultMaxMessageSize);
    expect(defaultMaxMessageSize).toBeLessThan(DEFAULT_GRPC_MESSAGE_LIMIT);
    const consumer = await spawnConsumer(variant, endpoint.address);
    const producer = await spawnProducer(variant, endpoint.address);
    const target = endpoint.address.target.replace(/^0\.0\.0\.0:/, "127.0.0.1:");
    // A raw grpc-js client has no send limit by default: the 8 MiB go out and the server refuses them.
    const raw = new MessagesClientConstructor(target, credentials.createInsecure());
    try {
      await expect(producer.send(new Uint8Array(EIGHT_MIB))).rejects.toBeInstanceOf(MessageTooLargeError);

      const error = await new Promise<Error>((resolve) => {
        // With the endpoint's token, so that the size is what the server refuses.
        const metadata = new Metadata();
        const token = (endpoint.address as { token?: string }).token;
        if (token) metadata.set("authorization", `Bearer ${token}`);
        (raw as unknown as { Send: RawUnary }).Send(
          { data: new Uint8Array(EIGHT_MIB) },
          metadata,
          { deadline: Date.now() + 10_000 },
          (e: ServiceError | null) =>
            resolve(toGrpcError(e ?? new Error("the server accepted 8 MiB"), "Send", target)),
        );
      });
      expect(error).toBeInstanceOf(GrpcError);
      expect((error as GrpcError).status).toBe(Status.RESOURCE_EXHAUSTED);
      expect(error.message).toMatch(/RESOURCE_EXHAUSTED/);

      // Both stay usable: a normal message still goes through, then the stream ends.
      const iterator = consumer[Symbol.asyncIterator]();
      const sending = producer.send(Buffer.from("after the refusals"));
      const first = await iterator.next();
      expect(Buffer.from(first.value as Uint8Array).toString()).toBe("after the refusals");
      await sending;
      const closing = producer.close();
      expect((await iterator.next()).done).toBe(true);
      await closing;
    } finally {
      raw.close();
      await producer.dispose();
      await consumer.dispose();
      await endpoint.close();
    }
  });

  it("8 MiB from server to client: a GetPersonInfo reply over the client's 4 MiB limit is RESOURCE_EXHAUSTED", async () => {
    const endpoint = await variant.open();
    const server = startFixture("greeter-server.ts", [
      variant.id,
      JSON.stringify(endpoint.address),
      String(EIGHT_MIB),
    ]);
    sendListener(server.process, endpoint.address);
    const greeter = variant.greeter(endpoint.address, { deadlineMs: 10_000 });
    try {
      await nextMessage<{ listening?: boolean }>(server, (m) => m?.listening === true);
      const error = await greeter.getPersonInfo("Big").then(
        () => assert.fail("an 8 MiB reply was accepted"),
        (e: unknown) => e as GrpcError,
      );
      expect(error).toBeInstanceOf(GrpcError);
      expect(error.status).toBe(Status.RESOURCE_EXHAUSTED);
      expect(error.message).toMatch(/larger than max/);
      // The connection stays usable for replies under the limit.
      expect((await greeter.getPersonInfo("Ada")).email).toBe("ada@example.org");
    } finally {
      greeter.close();
      await stop(server);
      await endpoint.close();
    }
  });
});

describe("grpc-os stream mode", () => {
  it("a slow reader of a client stream keeps both processes' memory bounded, and nothing is lost", async () => {
    const variant = grpcOs;
    const size = 64 * 1024;
    const count = 1024; // 64 MiB offered
    const endpoint = await variant.open();
    const consumer = await variant.consumer(endpoint.address);
    const rssBefore = process.memoryUsage().rss;
    const producer = startFixture("stream-producer.ts", [
      variant.id,
      JSON.stringify(endpoint.address),
      String(count),
      String(size),
    ]);
    try {
      const ready = await nextMessage<{ ready?: boolean; rss: number }>(producer, (m) => m?.ready === true);
      // Nobody reads: the producer must stall instead of buffering 64 MiB somewhere. Stalled means
      // its count of resolved sends stops moving (a producer that is only slow keeps counting).
      const sample = async () => {
        producer.process.send({ rss: true });
        return nextMessage<{ rss?: number; sent: number }>(producer, (m) => typeof m?.rss === "number");
      };
      let stalled = await sample();
      for (let rounds = 0; ; rounds++) {
        await sleep(500);
        const now = await sample();
        // (Some sends resolve before the stall: the HTTP/2 window and socket buffers take them.)
        const still = now.sent === stalled.sent && now.sent > 0;
        stalled = now;
        if (still) break;
        expect(
          rounds,
          `the producer kept sending with nobody reading (${now.sent} sends resolved)`,
        ).toBeLessThan(40);
      }
      const producerGrowth = stalled.rss! - ready.rss;
      const consumerGrowth = process.memoryUsage().rss - rssBefore;
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      expect(
        stalled.sent * size,
        `${stalled.sent} sends (${mib(stalled.sent * size)}) resolved while nobody read`,
      ).toBeLessThan(8 * 2 ** 20);
      expect(producerGrowth, `the producer grew by ${mib(producerGrowth)}`).toBeLessThan(32 * 2 ** 20);
      expect(consumerGrowth, `the consumer grew by ${mib(consumerGrowth)}`).toBeLessThan(32 * 2 ** 20);

      // Now read, slowly at first, then at full speed: everything arrives, in order, once.
      const closed = nextMessage<{ closed?: boolean; sent: number }>(
        producer,
        (m) => m?.closed === true,
        60_000,
      );
      let expected = 0;
      for await (const message of consumer) {
        expect(Buffer.from(message).readUInt32BE(0)).toBe(expected);
        expected++;
        if (expected < 256 && expected % 16 === 0) await sleep(2);
      }
      expect(expected).toBe(count);
      expect((await closed).sent).toBe(count);
    } finally {
      await stop(producer);
      await consumer.close();
      await endpoint.close();
    }
  });
});
