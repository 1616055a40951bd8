import {
  AddressError,
  ClosedError,
  FrameError,
  MessageTooLargeError,
  PeerGoneError,
  spawnProducer,
} from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import {
  END_FRAME,
  encodeMessage,
  type PeerErrorEvent,
  type TcpConsumer,
  TcpProducer,
  tcp,
  tcpIp,
} from "../src/index.ts";
import {
  cleanUpAfterEachTest,
  closeServer,
  drain,
  frame,
  listenLocal,
  occupyPort,
  rawClient,
  refusedPort,
  sleep,
  waitFor,
} from "./helpers.ts";

const cleanups = cleanUpAfterEachTest();

async function consumerWithErrors(maxMessageSize = 4096) {
  const consumer = await listenLocal(maxMessageSize);
  cleanups.push(() => consumer.close());
  const errors: PeerErrorEvent[] = [];
  consumer.on("peer-error", (event) => errors.push(event));
  return { consumer, errors };
}

async function producerFor(consumer: TcpConsumer) {
  const producer = await TcpProducer.connect(consumer.address);
  cleanups.push(() => producer.destroy());
  return producer;
}

describe("a peer that breaks the framing is dropped with a FrameError; the consumer keeps serving", () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ["a corrupt length prefix (0xFFFFFFFF)", Buffer.from("ffffffff00", "hex"), /exceeds the 4097-byte limit/],
    ["a frame one byte above the limit", frame(4096 + 2, Buffer.alloc(16)), /frame length 4098 exceeds/],
    ["a frame with an unknown tag byte", frame(3, Buffer.from([7, 1, 2])), /not an ipc-atlas envelope/],
    ["an empty frame (no tag byte)", frame(0), /not an ipc-atlas envelope/],
    ["plain text (an HTTP request)", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), /exceeds/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`${what}`, async () => {
      const { consumer, errors } = await consumerWithErrors();
      const good = await producerFor(consumer);
      await good.send(Buffer.from("before"));
      const bad = await rawClient(consumer.address);
      bad.write(bytes);
      await bad.hungUp; // the consumer hung up on it
      expect(errors).toHaveLength(1);
      expect(errors[0]!.error).toBeInstanceOf(FrameError);
      expect(errors[0]!.error.message).toMatch(message);
      expect(errors[0]!.peer).toMatch(/^127\.0\.0\.1:\d+$/);
      // The other producer is still served, and a new one can connect.
      await good.send(Buffer.from("after"));
      const late = await producerFor(consumer);
      await late.send(Buffer.from("late"));
      await late.close();
      await good.close();
      expect((await drain(consumer)).map(String)).toEqual(["before", "after", "late"]);
    });
  }

  it("a frame of exactly the limit is accepted", async () => {
    const { consumer, errors } = await consumerWithErrors(4096);
    const bad = await rawClient(consumer.address);
    bad.write(encodeMessage(Buffer.alloc(4096, 1)));
    bad.end(END_FRAME);
    const received = await drain(consumer);
    expect(received.map((m) => m.byteLength)).toEqual([4096]);
    expect(errors).toEqual([]);
  });

  it("data after the END frame is a FrameError, the END still counts", async () => {
    const { consumer, errors } = await consumerWithErrors();
    const peer = await rawClient(consumer.address);
    peer.write(Buffer.concat([encodeMessage(Buffer.from("x")), END_FRAME, encodeMessage(Buffer.from("y"))]));
    expect((await drain(consumer)).map(String)).toEqual(["x"]);
    await waitFor(() => errors.length === 1, "the peer error");
    expect(errors[0]!.error).toBeInstanceOf(FrameError);
    expect(errors[0]!.error.message).toMatch(/after its END frame/);
  });

  it("a stream that stops inside a frame is a FrameError, not an end", async () => {
    const { consumer, errors } = await consumerWithErrors();
    const good = await producerFor(consumer);
    const peer = await rawClient(consumer.address);
    peer.end(frame(10, Buffer.from([0, 1, 2])));
    await waitFor(() => errors.length === 1, "the peer error");
    expect(errors[0]!.error).toBeInstanceOf(FrameError);
    expect(errors[0]!.error.message).toMatch(/stream ended inside a frame/);
    await good.send(Buffer.from("still here"));
    await good.close();
    expect((await drain(consumer)).map(String)).toEqual(["still here"]);
  });

  it("a producer that vanishes without close() is reported and does not end the stream", async () => {
    const { consumer, errors } = await consumerWithErrors();
    const crashing = await producerFor(consumer);
    const good = await producerFor(consumer);
    await crashing.send(Buffer.from("from the crashing one"));
    await waitFor(() => consumer.queued === 1, "the first message"); // (a crash would lose what Node still buffers)
    crashing.destroy(); // like kill -9: FIN without the END frame
    await waitFor(() => errors.length === 1, "the peer error");
    expect(errors[0]!.error).toBeInstanceOf(PeerGoneError);
    expect(errors[0]!.error.message).toMatch(/without close\(\)/);
    await good.send(Buffer.from("from the good one"));
    await good.close();
    expect((await drain(consumer)).map(String)).toEqual(["from the crashing one", "from the good one"]);
  });
});

describe("addresses", () => {
  it("a port in use is an AddressError EADDRINUSE that names the port and what to do", async () => {
    const { server, port } = await occupyPort();
    cleanups.push(() => closeServer(server));
    const attempt = tcp.consumer({ host: "127.0.0.1", port, maxMessageSize: 1024 });
    await expect(attempt).rejects.toBeInstanceOf(AddressError);
    await expect(attempt).rejects.toMatchObject({ code: "EADDRINUSE" });
    await expect(attempt).rejects.toThrow(
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*ss -ltnp`),
    );
    // tcp-ip with a fixed port says so at open(), before any peer starts.
    await expect(tcpIp.open({ port })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });

  it("a refused connection is an AddressError ECONNREFUSED that says where it tried", async () => {
    const { port, release } = await refusedPort(); // nobody listens, nobody can meanwhile
    cleanups.push(release);
    const attempt = tcp.producer({ host: "127.0.0.1", port, maxMessageSize: 1024 });
    await expect(attempt).rejects.toMatchObject({ code: "ECONNREFUSED", name: "AddressError" });
    await expect(attempt).rejects.toThrow(`connection refused at 127.0.0.1:${port}`);
    await expect(attempt).rejects.toThrow(/start the consumer first/);
  });

  it("the refusal crosses processes as the same typed error", async () => {
    const { port, release } = await refusedPort();
    cleanups.push(release);
    const attempt = spawnProducer(tcp, { host: "127.0.0.1", port, maxMessageSize: 1024 });
    await expect(attempt).rejects.toBeInstanceOf(AddressError);
    await expect(attempt).rejects.toThrow(`connection refused at 127.0.0.1:${port}`);
  });

  it("tcp-ip refuses a host that is not this machine's; tcp refuses anything but loopback", async () => {
    // insecure: the host is checked past the TLS rule (see security.test.ts for that rule).
    const foreign = { host: "203.0.113.1", insecure: true, token: "a-token-of-some-length" };
    await expect(tcpIp.open(foreign)).rejects.toMatchObject({ code: "EADDRNOTAVAIL" });
    await expect(tcpIp.open(foreign)).rejects.toThrow(
      /listen on 127\.0\.0\.1 \(this host only\), 0\.0\.0\.0 \(every interface\)/,
    );
    await expect(tcp.open({ host: "0.0.0.0" })).rejects.toThrow(/use the tcp-ip variant/);
  });

  it("tcp-ip listening on every interface (with TLS) is reached through loopback", async () => {
    const endpoint = await tcpIp.open({ host: "0.0.0.0", tls: true });
    const consumer = await tcpIp.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const producer = await tcpIp.producer(endpoint.address);
    await producer.send(Buffer.from("via 0.0.0.0"));
    await producer.close();
    expect((await drain(consumer)).map(String)).toEqual(["via 0.0.0.0"]);
  });
});

describe("the producer side", () => {
  it("a consumer that goes away makes sends fail with PeerGoneError, never a crash", async () => {
    const consumer = await listenLocal();
    const producer = await producerFor(consumer);
    await producer.send(Buffer.from("one"));
    await consumer.close();
    let failure: unknown;
    for (let i = 0; i < 200 && !failure; i++) {
      await producer.send(Buffer.alloc(1024)).catch((error) => {
        failure = error;
      });
      await sleep(5);
    }
    expect(failure).toBeInstanceOf(PeerGoneError);
    expect(String(failure)).toMatch(/consumer at 127\.0\.0\.1:\d+/);
    await expect(producer.close()).rejects.toBeInstanceOf(PeerGoneError);
    await expect(producer.send(Buffer.from("x"))).rejects.toBeInstanceOf(ClosedError);
  });

  it("an oversized message is refused before any byte is written", async () => {
    const { consumer, errors } = await consumerWithErrors(16);
    const producer = await producerFor(consumer);
    await expect(producer.send(new Uint8Array(17))).rejects.toBeInstanceOf(MessageTooLargeError);
    await producer.send(new Uint8Array(16));
    await producer.close();
    expect((await drain(consumer)).map((m) => m.byteLength)).toEqual([16]);
    expect(errors).toEqual([]);
  });

  it("sends made without awaiting keep their order through backpressure, and close() waits for them", async () => {
    const consumer = await listenLocal(64 * 1024);
    cleanups.push(() => consumer.close());
    const producer = await producerFor(consumer);
    const n = 400; // 25 MiB: more than the kernel and the consumer's queue hold, so sends wait
    const sends = Array.from({ length: n }, (_, i) => producer.send(Buffer.alloc(64 * 1024, i & 0xff)));
    const closing = producer.close();
    closing.catch(() => {});
    await waitFor(() => producer.waitingForDrain, "the producer waiting for the socket to drain");
    const received = await drain(consumer);
    await Promise.all([...sends, closing]);
    expect(received.map((m) => m[0])).toEqual(Array.from({ length: n }, (_, i) => i & 0xff));
  });
});
