/**
 * The demo's consumer process: runs the express server at the address it is given
 * and takes one message every 400 ms, narrating each request, reply and message. Each
 * request waits in the server until this loop takes its message; only then is it answered.
 */

import { childNarrator, preview, receiveListener } from "@ipc-atlas/core";
import { parseRestAddress, restConsumer } from "../src/index.ts";

// The demo passes open()'s JSON in IPC_ATLAS_ADDRESS (it holds the token, so never in argv); by
// hand, give host:port (consumer) or http://host:port (producer), and the token in IPC_ATLAS_TOKEN.
const address = parseRestAddress(process.env.IPC_ATLAS_ADDRESS ?? process.argv[2] ?? "127.0.0.1:8080");
const narrator = childNarrator("consumer (server)");

// Started by the demo: the parent hands over the endpoint's listening socket first.
if (process.send) await receiveListener(address);

// 1. Start the server, narrating every request as it arrives and every reply as it leaves.
const consumer = await restConsumer(address, {
  configure: (app) =>
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      const length = req.get("content-length") ?? "0";
      narrator.sayAs(
        "REQUEST",
        `${req.method} ${req.path} (${length} bytes, ${req.get("content-type") ?? "no type"})`,
      );
      res.on("finish", () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        narrator.sayAs("REPLY", `${res.statusCode} to ${req.method} ${req.path} after ${ms.toFixed(0)} ms`);
      });
      next();
    }),
});
narrator.sayAs("LISTEN", `${address.url} (body limit ${address.maxMessageSize} bytes)`);
process.send?.({ ready: true });

// 2. A slow consumer: each request is held until this loop gets round to taking it.
let count = 0;
const iterator = consumer[Symbol.asyncIterator]();
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 400));
  const next = await iterator.next();
  if (next.done) break;
  count++;
  narrator.sayAs("RECEIVED", `#${count} ${preview(next.value)}`);
}
narrator.sayAs("END", `iteration finished after ${count} messages (a producer sent POST /close)`);

// 3. Let the reply to POST /close leave before the server stops.
await new Promise((resolve) => setTimeout(resolve, 50));
await consumer.close();
process.disconnect?.();
