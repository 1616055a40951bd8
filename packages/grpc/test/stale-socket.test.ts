/**
 * grpc-os and the socket file: a consumer killed with SIGKILL leaves its socket file behind;
 * the next consumer detects that nobody listens on it, removes it and binds. A socket somebody
 * listens on, or a file that is not a socket, is a clear AddressError and is left alone.
 */

import { existsSync, lstatSync, readFileSync, writeFileSync } from "node:fs";
import { AddressError, spawnConsumer, spawnProducer } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { clearStaleSocket, grpcOs } from "../src/index.ts";

describe("grpc-os stale socket files", () => {
  it("a consumer killed with SIGKILL leaves a stale socket; a new consumer removes it, binds, and receives", async () => {
    const endpoint = await grpcOs.open();
    const { socketPath } = endpoint.address;
    try {
      const crashed = await spawnConsumer(grpcOs, endpoint.address);
      expect(lstatSync(socketPath).isSocket()).toBe(true);
      crashed.kill("SIGKILL");
      await crashed.dispose();
      expect(existsSync(socketPath), "a crashed consumer leaves its socket file").toBe(true);

      const consumer = await spawnConsumer(grpcOs, endpoint.address);
      const producer = await spawnProducer(grpcOs, endpoint.address);
      try {
        const iterator = consumer[Symbol.asyncIterator]();
        const sending = producer.send(Buffer.from("after the crash"));
        expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe("after the crash");
        await sending;
        const closing = producer.close();
        expect((await iterator.next()).done).toBe(true);
        await closing;
      } finally {
        await producer.dispose();
        await consumer.dispose();
      }
    } finally {
      await endpoint.close();
    }
    expect(existsSync(endpoint.address.directory), "Endpoint.close() removes the directory").toBe(false);
  });

  it("a second consumer on a live socket is EADDRINUSE and the first keeps serving", async () => {
    const endpoint = await grpcOs.open();
    const first = await grpcOs.consumer(endpoint.address);
    try {
      const error = await grpcOs.consumer(endpoint.address).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AddressError);
      expect((error as AddressError).code).toBe("EADDRINUSE");
      expect((error as AddressError).message).toContain(endpoint.address.socketPath);

      const producer = await grpcOs.producer(endpoint.address);
      const iterator = first[Symbol.asyncIterator]();
      const sending = producer.send(Buffer.from("still served"));
      expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe("still served");
      await sending;
      const closing = producer.close();
      expect((await iterator.next()).done).toBe(true);
      await closing;
    } finally {
      await first.close();
      await endpoint.close();
    }
  });

  it("a file that is not a socket is refused (EEXIST) and left untouched", async () => {
    const endpoint = await grpcOs.open();
    try {
      writeFileSync(endpoint.address.socketPath, "not a socket");
      const error = await grpcOs.consumer(endpoint.address).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AddressError);
      expect((error as AddressError).code).toBe("EEXIST");
      expect(readFileSync(endpoint.address.socketPath, "utf8")).toBe("not a socket");
      await expect(clearStaleSocket(`${endpoint.address.directory}/absent.sock`)).resolves.toBe("absent");
    } finally {
      await endpoint.close();
    }
  });

  it("closing a consumer unlinks its socket file", async () => {
    const endpoint = await grpcOs.open();
    try {
      const consumer = await grpcOs.consumer(endpoint.address);
      expect(existsSync(endpoint.address.socketPath)).toBe(true);
      await consumer.close();
      expect(existsSync(endpoint.address.socketPath)).toBe(false);
    } finally {
      await endpoint.close();
    }
  });
});
