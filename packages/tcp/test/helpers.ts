import { connect, createServer, type Server, type Socket } from "node:net";
import { liveChildren } from "@ipc-atlas/core";
import { afterAll, afterEach, expect } from "vitest";
import { type TcpAddress, TcpConsumer } from "../src/index.ts";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A test file's clean-ups: what a test pushes runs after it, last first, also when it failed;
 * after the file, no TCP handle and no child process may be left.
 */
export function cleanUpAfterEachTest(): Array<() => Promise<unknown> | unknown> {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await waitFor(() => openTcpHandles().length === 0, `no TCP handle left (${openTcpHandles().join(", ")})`);
    expect(liveChildren()).toEqual([]);
  });
  return cleanups;
}

/** A consumer listening on a free loopback port (port 0: the kernel picks it). */
export function listenLocal(maxMessageSize = 4096): Promise<TcpConsumer> {
  return TcpConsumer.listen({ host: "127.0.0.1", port: 0, maxMessageSize });
}

/** A plain socket that speaks whatever bytes a test gives it: the bad peer. */
export async function rawClient(address: TcpAddress): Promise<Socket & { hungUp: Promise<void> }> {
  const socket = connect({ host: "127.0.0.1", port: address.port });
  socket.on("error", () => {}); // a reset from the consumer is the expected outcome
  socket.resume();
  const hungUp = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return Object.assign(socket, { hungUp });
}

/**
 * A loopback port where nothing listens and nothing can start listening while it is held: the
 * local end of a connection this process keeps open. (A port probed and released instead could
 * be taken by a parallel test before it is used.)
 */
export async function refusedPort(): Promise<{ port: number; release(): Promise<void> }> {
  const { server, port: serverPort } = await occupyPort();
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  const client = connect({ host: "127.0.0.1", port: serverPort });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  const serverSide = await accepted;
  return {
    port: client.localPort!,
    async release() {
      client.destroy();
      serverSide.destroy();
      await closeServer(server);
    },
  };
}

/** Holds a port so that listening on it fails. */
export async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  return { server, port: (server.address() as { port: number }).port };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Reads a consumer to its end. */
export async function drain(consumer: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const message of consumer) out.push(Buffer.from(message));
  return out;
}

/** TCP handles still open in this process (for leak checks). */
export function openTcpHandles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP"));
}

export function frame(length: number, body: Uint8Array = new Uint8Array(0)): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length);
  return Buffer.concat([header, body]);
}
