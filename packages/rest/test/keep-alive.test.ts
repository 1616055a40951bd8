/**
 * Keep-alive: a producer in another process sends every message over one TCP connection,
 * instead of paying a connect per message. The server counts the connections it accepts and
 * the client port of every request.
 */

import { spawnProducer } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { rest, restConsumer } from "../src/index.ts";

it("50 sends and the close from a producer process reuse one keep-alive connection", async () => {
  const endpoint = await rest.open();
  const clientPorts = new Set<number>();
  let requests = 0;
  const consumer = await restConsumer(endpoint.address, {
    configure: (app) =>
      app.use((req, _res, next) => {
        requests++;
        clientPorts.add(req.socket.remotePort ?? -1);
        next();
      }),
  });
  let connections = 0;
  consumer.server.on("connection", () => connections++);
  const producer = await spawnProducer(rest, endpoint.address);
  try {
    const sending = (async () => {
      for (let i = 0; i < 50; i++) await producer.send(Buffer.from(`message ${i}`));
      await producer.close();
    })();
    let received = 0;
    for await (const _ of consumer) received++;
    await sending;
    expect(received).toBe(50);
    expect(requests).toBe(52); // GET /health, 50 × POST /messages, POST /close
    expect(connections).toBe(1);
    expect(clientPorts.size).toBe(1);
  } finally {
    await producer.dispose();
    await consumer.close();
    await endpoint.close();
  }
});
