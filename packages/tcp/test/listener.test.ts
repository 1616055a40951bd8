// Issue 18, item 5: the endpoint's listening socket is handed to the consumer instead of a port
// reserved, released and bound again (which another process could win in between).
import { createServer } from "node:net";
import { AddressError, listen, spawnConsumer } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { TcpProducer, tcp, tcpIp } from "../src/index.ts";
import { cleanUpAfterEachTest, closeServer, drain } from "./helpers.ts";

const cleanups = cleanUpAfterEachTest();

/** Tries to listen on a port the way another program would; resolves with the error code. */
async function otherProgramListensOn(port: number): Promise<string> {
  const intruder = createServer();
  try {
    await listen(intruder, "127.0.0.1", port);
    await closeServer(intruder);
    return "listened";
  } catch (error) {
    return (error as AddressError).code;
  }
}

describe("the endpoint's listening socket", () => {
  it("is held from open() on, so no other program can take the port before the consumer starts", async () => {
    const endpoint = await tcp.open();
    cleanups.push(() => endpoint.close());
    expect(await otherProgramListensOn(endpoint.address.port)).toBe("EADDRINUSE");
    const consumer = await tcp.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    expect(await otherProgramListensOn(endpoint.address.port)).toBe("EADDRINUSE");
    const producer = await tcp.producer(endpoint.address);
    await producer.send(Buffer.from("through the held socket"));
    await producer.close();
    expect((await drain(consumer)).map(String)).toEqual(["through the held socket"]);
  });

  it("a producer that connects before the consumer exists waits for it and is served", async () => {
    const endpoint = await tcpIp.open();
    cleanups.push(() => endpoint.close());
    // The producer's connect waits for the token's acknowledgement, which only a consumer gives.
    const connecting = TcpProducer.connect(endpoint.address);
    const early = await Promise.race([connecting.then(() => "connected"), sleepThen(300, "waiting")]);
    expect(early).toBe("waiting");
    const consumer = await tcpIp.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const producer = await connecting;
    await producer.send(Buffer.from("early"));
    await producer.close();
    expect((await drain(consumer)).map(String)).toEqual(["early"]);
  });

  it("goes to a consumer in another process through the IPC channel, and the port stays taken", async () => {
    const endpoint = await tcp.open();
    cleanups.push(() => endpoint.close());
    const consumer = await spawnConsumer(tcp, endpoint.address);
    cleanups.push(() => consumer.dispose());
    expect(await otherProgramListensOn(endpoint.address.port)).toBe("EADDRINUSE");
    const producer = await tcp.producer(endpoint.address);
    await producer.send(Buffer.from("to the other process"));
    await producer.close();
    const received: string[] = [];
    for await (const m of consumer) received.push(Buffer.from(m).toString());
    expect(received).toEqual(["to the other process"]);
  });

  it("closing an endpoint no consumer took releases the port", async () => {
    const endpoint = await tcp.open();
    await endpoint.close();
    expect(await otherProgramListensOn(endpoint.address.port)).toBe("listened");
  });
});

describe("a consumer started with only the JSON address", () => {
  it("listens on the address's port itself once nothing holds it", async () => {
    const endpoint = await tcp.open();
    await endpoint.close();
    const address = JSON.parse(JSON.stringify(endpoint.address));
    const consumer = await spawnConsumer(tcp, address);
    cleanups.push(() => consumer.dispose());
    const producer = await tcp.producer(address);
    await producer.send(Buffer.from("bound by the consumer"));
    await producer.close();
    const received: string[] = [];
    for await (const m of consumer) received.push(Buffer.from(m).toString());
    expect(received).toEqual(["bound by the consumer"]);
  });

  it("while another process's endpoint holds the port: EADDRINUSE that says where to attach the consumer", async () => {
    const endpoint = await tcp.open();
    cleanups.push(() => endpoint.close());
    // A copy of the address, as a user would pass it to a process of their own: no socket goes with it.
    const attempt = spawnConsumer(tcp, JSON.parse(JSON.stringify(endpoint.address)));
    await expect(attempt).rejects.toBeInstanceOf(AddressError);
    await expect(attempt).rejects.toMatchObject({ code: "EADDRINUSE" });
    await expect(attempt).rejects.toThrow(/holds the port for its consumer: attach the consumer there/);
  });
});

function sleepThen<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}
