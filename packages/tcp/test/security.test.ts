import { connect } from "node:net";
import {
  AuthError,
  InsecureListenError,
  spawnConsumer,
  spawnProducer,
  TlsVerifyError,
} from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { encodeAuth } from "../src/handshake.ts";
import { END_FRAME, encodeMessage, type TcpAddress, TcpConsumer, tcpIp } from "../src/index.ts";
import { cleanUpAfterEachTest, drain, frame, waitFor } from "./helpers.ts";

const cleanups = cleanUpAfterEachTest();

async function listen(address: TcpAddress): Promise<TcpConsumer> {
  const consumer = await TcpConsumer.listen(address);
  cleanups.push(() => consumer.close());
  return consumer;
}

/** A raw connection that writes `bytes`, ends, and resolves once the connection is closed. */
async function stranger(port: number, bytes: Buffer): Promise<void> {
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  socket.resume();
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.end(bytes);
  await closed;
}

describe("tcp-ip: a token per endpoint", () => {
  it("open() makes a token; a producer process with a wrong one is refused and nothing is received", async () => {
    const endpoint = await tcpIp.open();
    expect(endpoint.address.token).toMatch(/^[\w-]{43}$/);
    const consumer = await listen(endpoint.address);
    await expect(spawnProducer(tcpIp, { ...endpoint.address, token: "x".repeat(43) })).rejects.toBeInstanceOf(
      AuthError,
    );
    // No token at all: the first frame is DATA, which the consumer drops unread.
    await stranger(endpoint.address.port, encodeMessage(Buffer.from("intruder")));
    await stranger(endpoint.address.port, END_FRAME);
    expect(consumer.dropped).toBe(3);
    const producer = await spawnProducer(tcpIp, endpoint.address);
    cleanups.push(() => producer.dispose());
    await producer.send(Buffer.from("real"));
    await producer.close();
    expect((await drain(consumer)).map(String)).toEqual(["real"]);
  });

  it("garbage and a foreign END are dropped and counted; every real message arrives", async () => {
    const endpoint = await tcpIp.open();
    const consumer = await listen(endpoint.address);
    const producer = await spawnProducer(tcpIp, endpoint.address);
    cleanups.push(() => producer.dispose());
    await producer.send(Buffer.from("one"));
    await stranger(endpoint.address.port, Buffer.from("GET / HTTP/1.1\r\n\r\n"));
    await stranger(endpoint.address.port, END_FRAME);
    // An authenticated peer that then breaks the framing is dropped too, without ending the stream.
    await stranger(
      endpoint.address.port,
      Buffer.concat([encodeAuth(endpoint.address.token!), frame(3, Buffer.of(9, 9, 9))]),
    );
    await producer.send(Buffer.from("two"));
    await producer.close();
    expect((await drain(consumer)).map(String)).toEqual(["one", "two"]);
    expect(consumer.dropped).toBe(3);
  });

  it("insecure: no token, and anyone may send", async () => {
    const endpoint = await tcpIp.open({ insecure: true });
    expect(endpoint.address.token).toBeUndefined();
    const consumer = await listen(endpoint.address);
    await stranger(endpoint.address.port, Buffer.concat([encodeMessage(Buffer.from("anyone")), END_FRAME]));
    expect((await drain(consumer)).map(String)).toEqual(["anyone"]);
  });
});

describe("tcp-ip beyond loopback", () => {
  it("refuses a non-loopback host without TLS, naming tls and insecure", async () => {
    const attempt = tcpIp.open({ host: "0.0.0.0" });
    await expect(attempt).rejects.toBeInstanceOf(InsecureListenError);
    await expect(attempt).rejects.toThrow(/tls: true.*insecure: true/);
  });

  it("with insecure it listens on every interface", async () => {
    const endpoint = await tcpIp.open({ host: "0.0.0.0", insecure: true });
    const consumer = await listen(endpoint.address);
    const producer = await tcpIp.producer(endpoint.address);
    await producer.send(Buffer.from("plain"));
    await producer.close();
    expect((await drain(consumer)).map(String)).toEqual(["plain"]);
  });

  it("TLS: a producer whose CA did not sign the server is refused", async () => {
    const endpoint = await tcpIp.open({ tls: true });
    const other = await tcpIp.open({ tls: true });
    cleanups.push(() => other.close());
    const consumer = await listen(endpoint.address);
    const wrongCa = { ...endpoint.address, tls: { ...endpoint.address.tls!, ca: other.address.tls!.ca } };
    await expect(spawnProducer(tcpIp, wrongCa)).rejects.toBeInstanceOf(TlsVerifyError);
    const producer = await spawnProducer(tcpIp, endpoint.address);
    cleanups.push(() => producer.dispose());
    await producer.send(Buffer.from("over TLS"));
    await producer.close();
    expect((await drain(consumer)).map(String)).toEqual(["over TLS"]);
    await waitFor(() => consumer.dropped === 1, "the failed handshake counted");
  });
});

describe("tcp-ip under a flood", () => {
  it("200 connections that announce 1 MiB frames and send 1 byte keep the consumer's RSS and retained memory growth under 64 MiB", async () => {
    const endpoint = await tcpIp.open();
    const consumer = await spawnConsumer(tcpIp, endpoint.address);
    cleanups.push(() => consumer.dispose());
    const before = await consumer.rss();
    const retainedBefore = await consumer.retainedBytes();
    const header = Buffer.alloc(5);
    header.writeUInt32BE(1024 * 1024);
    header[4] = 0; // DATA tag: the one byte of the announced frame
    const sockets = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const socket = connect({ host: "127.0.0.1", port: endpoint.address.port });
        socket.on("error", () => {});
        socket.resume();
        await new Promise<void>((resolve) => socket.once("connect", resolve));
        socket.write(Buffer.concat([encodeAuth(endpoint.address.token!), header]));
        return socket;
      }),
    );
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await consumer.rss();
    const growth = after - before;
    // RSS misses a large allocation nobody wrote to yet; what stays reachable counts it.
    const retainedGrowth = (await consumer.retainedBytes()) - retainedBefore;
    process.stdout.write(
      `tcp-ip flood: consumer RSS ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB, retained +${(retainedGrowth / 2 ** 20).toFixed(1)} MiB\n`,
    );
    expect(growth).toBeLessThan(64 * 2 ** 20);
    expect(retainedGrowth).toBeLessThan(64 * 2 ** 20);
  }, 30_000);
});
