/**
 * The receiving process of bench/adapter-cost.ts. argv[2] picks the side:
 *   variant <address JSON>  the rest variant's consumer (MessageServer + async iterator);
 *   raw                     a bare express 5 app: express.raw on POST /messages, then 204.
 * Both check that every 64-byte message arrives once and in order (sequence number in the
 * first 4 bytes), then report the count to the parent over the IPC channel.
 */

import { receiveListener } from "@ipc-atlas/core";
import express from "express";
import { type RestAddress, rest } from "../src/index.ts";

// The parent reads this process's CPU time around its measured phase
// (registered first: the variant side's loop below holds the module until the stream ends).
process.on("message", (m: { cpu?: boolean }) => {
  if (m?.cpu) process.send?.({ cpuUsage: process.cpuUsage() });
});
process.on("disconnect", () => process.exit(0));

const mode = process.argv[2];
let expected = 0;
const check = (message: Uint8Array) => {
  const seq = Buffer.from(message.buffer, message.byteOffset, message.byteLength).readUInt32BE(0);
  if (seq !== expected) throw new Error(`message ${expected} expected, got ${seq}`);
  expected++;
};

if (mode === "variant") {
  const address = JSON.parse(process.argv[3] ?? "{}") as RestAddress;
  // The endpoint's listening socket, handed over by the parent.
  await receiveListener(address);
  const consumer = await rest.consumer(address);
  process.send?.({ ready: address.url });
  for await (const message of consumer) check(message);
  process.send?.({ received: expected });
  await consumer.close();
} else {
  const app = express();
  app.post("/messages", express.raw({ type: "application/octet-stream", limit: 1024 * 1024 }), (req, res) => {
    check(req.body as Buffer);
    res.status(204).end();
  });
  app.post("/close", (_req, res) => {
    res.status(204).end();
    process.send?.({ received: expected });
  });
  const server = app.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    process.send?.({ ready: `http://127.0.0.1:${port}` });
  });
}
