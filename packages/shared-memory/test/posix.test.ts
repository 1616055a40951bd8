/**
 * The POSIX ring between real processes: a side killed with SIGKILL gives the other a typed
 * error within a second and the endpoint leaves nothing in /dev/shm; names are exclusive and
 * objects open to others are refused; the owner's signal removes its rings; the event loop
 * keeps running while either side waits.
 */

import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PeerGoneError, spawnConsumer, spawnProducer, spawnScript } from "@ipc-atlas/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPosixRing,
  type PosixRingAddress,
  posixConsumer,
  posixProducer,
  RingExistsError,
  RingPermissionError,
  sharedMemoryPosix,
  sweepStaleRings,
  uniqueRingName,
  unlinkRing,
} from "../src/index.ts";
import { expectEventLoopRunsWhileWaiting } from "./fixtures/event-loop.ts";

const shm = (name: string) => `/dev/shm${name}`;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves with the rejection of `promise` and how long it took from now. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error("expected a rejection");
}

describe("shared-memory-posix between processes", () => {
  it("a producer killed with SIGKILL fails the waiting consumer with PeerGoneError within a second", async () => {
    const endpoint = await sharedMemoryPosix.open();
    cleanups.push(() => endpoint.close());
    const consumer = await spawnConsumer(sharedMemoryPosix, endpoint.address);
    cleanups.push(() => consumer.dispose());
    const producer = await spawnProducer(sharedMemoryPosix, endpoint.address);
    cleanups.push(() => producer.dispose());
    await producer.send(Buffer.from("before the crash"));
    const iterator = consumer[Symbol.asyncIterator]();
    expect(Buffer.from((await iterator.next()).value!).toString()).toBe("before the crash");
    const waiting = iterator.next(); // the ring is empty: the consumer sleeps on its doorbell
    await new Promise((resolve) => setTimeout(resolve, 300));
    producer.kill("SIGKILL");
    const { error, ms } = await rejection(waiting);
    expect(error).toBeInstanceOf(PeerGoneError);
    expect((error as Error).message).toMatch(/producer .* died without closing it/);
    expect(ms).toBeLessThan(1000);
    await endpoint.close();
    expect(existsSync(shm(endpoint.address.name))).toBe(false);
    expect(existsSync(endpoint.address.doorbells)).toBe(false);
  });

  it("a consumer killed with SIGKILL fails the producer waiting on a full ring with PeerGoneError within a second", async () => {
    const endpoint = await sharedMemoryPosix.open({ maxMessageSize: 60 * 1024 });
    cleanups.push(() => endpoint.close());
    const consumer = await spawnConsumer(sharedMemoryPosix, endpoint.address);
    cleanups.push(() => consumer.dispose());
    const producer = await spawnProducer(sharedMemoryPosix, endpoint.address);
    cleanups.push(() => producer.dispose());
    // 1 MiB ring, 60 KiB records: the 18th send finds it full and waits.
    const record = new Uint8Array(60 * 1024);
    let pending: Promise<void> | undefined;
    for (let i = 0; i < 40 && !pending; i++) {
      const sending = producer.send(record);
      const settled = await Promise.race([
        sending.then(() => true),
        new Promise((r) => setTimeout(r, 250, false)),
      ]);
      if (!settled) pending = sending;
    }
    expect(pending, "the ring never filled").toBeDefined();
    consumer.kill("SIGKILL");
    const { error, ms } = await rejection(pending!);
    expect(error).toBeInstanceOf(PeerGoneError);
    expect((error as Error).message).toMatch(/consumer .* died without closing it/);
    expect(ms).toBeLessThan(1000);
    await endpoint.close();
    expect(existsSync(shm(endpoint.address.name))).toBe(false);
  });

  it("the owner's SIGTERM removes its rings from /dev/shm and their doorbells", async () => {
    const owner = spawnScript(new URL("./fixtures/ring-owner.ts", import.meta.url));
    cleanups.push(() => owner.kill("SIGKILL"));
    const address = await new Promise<PosixRingAddress>((resolve) => owner.process.once("message", resolve));
    cleanups.push(() => unlinkRing(address.name));
    expect(existsSync(shm(address.name))).toBe(true);
    owner.kill("SIGTERM");
    expect(await owner.exited).toBe(128 + 15);
    expect(existsSync(shm(address.name))).toBe(false);
    expect(existsSync(address.doorbells)).toBe(false);
  });
});

describe("shared-memory-posix rings a kill -9 left behind", () => {
  /** A process that creates a ring and idles; resolves with it and the ring's address. */
  async function ringOwner() {
    const owner = spawnScript(new URL("./fixtures/ring-owner.ts", import.meta.url));
    cleanups.push(() => owner.kill("SIGKILL"));
    const address = await new Promise<PosixRingAddress>((resolve) => owner.process.once("message", resolve));
    cleanups.push(() => {
      unlinkRing(address.name);
      rmSync(address.doorbells, { recursive: true, force: true });
    });
    return { owner, address };
  }

  it("the next open() removes the ring and doorbells of an owner killed with SIGKILL", async () => {
    const { owner, address } = await ringOwner();
    expect(existsSync(shm(address.name))).toBe(true);
    expect(existsSync(address.doorbells)).toBe(true);
    // kill -9 runs no exit hook: nothing in the owner removes them. (Test files run in parallel,
    // so another file's open() may sweep them first; either way a sweep is what removes them.)
    owner.kill("SIGKILL");
    await owner.exited;
    const endpoint = await sharedMemoryPosix.open();
    cleanups.push(() => endpoint.close());
    expect(existsSync(shm(address.name))).toBe(false);
    expect(existsSync(address.doorbells)).toBe(false);
    expect(existsSync(shm(endpoint.address.name))).toBe(true);
  });

  it("never removes a ring whose owner, producer or consumer still runs", async () => {
    const live = await ringOwner();
    const orphan = await ringOwner();
    // The orphan's owner dies, but a consumer in another process still uses its ring.
    const consumer = await spawnConsumer(sharedMemoryPosix, orphan.address);
    cleanups.push(() => consumer.dispose());
    orphan.owner.kill("SIGKILL");
    await orphan.owner.exited;
    expect(sweepStaleRings()).not.toContain(orphan.address.name);
    expect(existsSync(shm(live.address.name))).toBe(true);
    expect(existsSync(shm(orphan.address.name))).toBe(true);
    // Once the last process that had it is gone too, the ring is stale.
    const pid = await consumer.reportedPid();
    consumer.kill("SIGKILL");
    for (let waited = 0; existsSync(`/proc/${pid}`) && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    sweepStaleRings();
    expect(existsSync(shm(orphan.address.name))).toBe(false);
    expect(existsSync(orphan.address.doorbells)).toBe(false);
    expect(existsSync(shm(live.address.name))).toBe(true);
  });
});

describe("shared-memory-posix objects", () => {
  it("creates the object with O_EXCL and mode 0600, and refuses a name that exists", () => {
    const name = uniqueRingName("ipc-atlas-test");
    const ring = createPosixRing(4096, name);
    cleanups.push(() => ring.remove());
    expect(statSync(shm(name)).mode & 0o777).toBe(0o600);
    expect(statSync(ring.address.doorbells).mode & 0o777).toBe(0o700);
    expect(() => createPosixRing(4096, name)).toThrow(RingExistsError);
  });

  it("refuses to attach to an object that others may open (mode 0644)", () => {
    const name = uniqueRingName("ipc-atlas-test");
    writeFileSync(shm(name), Buffer.alloc(4608), { mode: 0o644 });
    cleanups.push(() => unlinkRing(name));
    const doorbells = mkdtempSync(join(tmpdir(), "ipc-atlas-shm-test-"));
    cleanups.push(() => rmSync(doorbells, { recursive: true, force: true }));
    expect(() => posixConsumer({ name, doorbells })).toThrow(RingPermissionError);
  });

  it("keeps the event loop running while the consumer waits for records and the producer for room", async () => {
    const ring = createPosixRing(64);
    cleanups.push(() => ring.remove());
    const producer = posixProducer(ring.address);
    const consumer = posixConsumer(ring.address)[Symbol.asyncIterator]();
    cleanups.push(() => consumer.return?.());
    await expectEventLoopRunsWhileWaiting(producer, consumer);
    await producer.close();
  });
});
