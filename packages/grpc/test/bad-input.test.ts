/**
 * Bad input and bad addresses: each is a typed error that says where and what to do.
 */

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status as Status } from "@grpc/grpc-js";
import { AddressError, ClosedError, errorFromJSON, errorToJSON, MessageTooLargeError } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import {
  addressAt,
  encodedMessageSize,
  GrpcError,
  grpcNetwork,
  grpcOs,
  largestPayload,
} from "../src/index.ts";

describe("grpc bad input", () => {
  it("a producer with nobody listening fails fast with ECONNREFUSED naming the address (grpc-os)", async () => {
    const endpoint = await grpcOs.open();
    try {
      const started = performance.now();
      const error = await grpcOs.producer(endpoint.address).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AddressError);
      expect((error as AddressError).code).toBe("ECONNREFUSED");
      expect((error as AddressError).message).toContain(endpoint.address.target);
      expect((error as AddressError).hint).toMatch(/start the consumer first/);
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      await endpoint.close();
    }
  });

  it("a producer with nobody listening fails fast with ECONNREFUSED naming host:port (grpc-network)", async () => {
    const endpoint = await grpcNetwork.open();
    const error = await grpcNetwork.producer(endpoint.address).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressError);
    expect((error as AddressError).message).toContain(`127.0.0.1:${endpoint.address.port}`);
    await endpoint.close();
  });

  it("a port in use is EADDRINUSE, and a host that is not this machine's is EADDRNOTAVAIL", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const { port } = squatter.address() as { port: number };
    try {
      const error = await grpcNetwork.consumer(addressAt("127.0.0.1", port)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AddressError);
      expect((error as AddressError).code).toBe("EADDRINUSE");
      expect((error as AddressError).message).toContain(`127.0.0.1:${port}`);
    } finally {
      squatter.close();
    }
    // 192.0.2.0/24 is TEST-NET-1: never an address of this machine.
    // insecure: past the rule that a host beyond loopback needs TLS (security.test.ts tests that).
    const notHere = await grpcNetwork
      .open({ host: "192.0.2.1", insecure: true, token: "a-token-of-some-length" })
      .catch((e: unknown) => e);
    expect(notHere).toBeInstanceOf(AddressError);
    expect((notHere as AddressError).code).toBe("EADDRNOTAVAIL");
  });

  it("OpenOptions.host chooses the interface; IPv6 loopback works", async () => {
    const endpoint = await grpcNetwork.open({ host: "::1" });
    expect(endpoint.address.target).toBe(`[::1]:${endpoint.address.port}`);
    const consumer = await grpcNetwork.consumer(endpoint.address);
    const producer = await grpcNetwork.producer(endpoint.address);
    try {
      const iterator = consumer[Symbol.asyncIterator]();
      const sending = producer.send(Buffer.from("over ::1"));
      expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe("over ::1");
      await sending;
      const closing = producer.close();
      expect((await iterator.next()).done).toBe(true);
      await closing;
    } finally {
      await consumer.close();
      await endpoint.close();
    }
  });

  it("a socket path too long for a Unix socket is ENAMETOOLONG and leaves no directory behind", async () => {
    const base = mkdtempSync(join(tmpdir(), "ipc-atlas-grpc-test-"));
    const longDir = join(base, "d".repeat(100));
    mkdirSync(longDir);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = longDir;
    try {
      const error = await grpcOs.open().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AddressError);
      expect((error as AddressError).code).toBe("ENAMETOOLONG");
      expect((error as AddressError).hint).toMatch(/TMPDIR/);
      expect(readdirSync(longDir)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("maxMessageSize sizes the medium: the limit is exact, one byte more is MessageTooLargeError", async () => {
    const endpoint = await grpcOs.open({ maxMessageSize: 1000 });
    expect(endpoint.maxMessageSize).toBe(1000);
    const consumer = await grpcOs.consumer(endpoint.address);
    const producer = await grpcOs.producer(endpoint.address);
    try {
      await expect(producer.send(new Uint8Array(1001))).rejects.toBeInstanceOf(MessageTooLargeError);
      const iterator = consumer[Symbol.asyncIterator]();
      const sending = producer.send(new Uint8Array(1000).fill(7));
      expect(((await iterator.next()).value as Uint8Array).byteLength).toBe(1000);
      await sending;
      const closing = producer.close();
      expect((await iterator.next()).done).toBe(true);
      await closing;
      await expect(producer.send(new Uint8Array(1))).rejects.toBeInstanceOf(ClosedError);
    } finally {
      await consumer.close();
      await endpoint.close();
    }
  });

  it("the payload limit fits the encoded message exactly in gRPC's limit", () => {
    for (const limit of [1, 2, 127, 128, 130, 16_384, 16_387, 4 * 1024 * 1024]) {
      const payload = largestPayload(limit);
      expect(encodedMessageSize(payload)).toBeLessThanOrEqual(limit);
      expect(encodedMessageSize(payload + 1)).toBeGreaterThan(limit);
    }
    expect(largestPayload(4 * 1024 * 1024)).toBe(4 * 1024 * 1024 - 5);
  });

  it("GetPersonInfo for an unknown name is a GrpcError NOT_FOUND that survives crossing processes", async () => {
    const endpoint = await grpcOs.open();
    const { greeterService } = await import("../src/index.ts");
    const consumer = await grpcOs.consumer(endpoint.address, { services: [greeterService()] });
    const greeter = grpcOs.greeter(endpoint.address);
    try {
      expect(await greeter.sayHello("Ada")).toBe("Hello, Ada!");
      const error = await greeter.getPersonInfo("Nobody").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GrpcError);
      expect((error as GrpcError).status).toBe(Status.NOT_FOUND);
      const rebuilt = errorFromJSON(errorToJSON(error));
      expect(rebuilt).toBeInstanceOf(GrpcError);
      expect((rebuilt as GrpcError).status).toBe(Status.NOT_FOUND);
      expect((rebuilt as GrpcError).statusName).toBe("NOT_FOUND");
    } finally {
      greeter.close();
      await consumer.close();
      await endpoint.close();
    }
  });
});
