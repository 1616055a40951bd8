// The consumer process runs the HTTP server. Each `POST /messages` is held open until this
// program takes its message, and only then answered `204 No Content`: the reply means "taken".
// Run by hand: `01-consumer.ts 0.0.0.0:8080`.

import { setTimeout as sleep } from "node:timers/promises";
import { preview } from "@ipc-atlas/core";
import { consumerProcess } from "../src/demo-support.ts";
import { restConsumer } from "../src/index.ts";

const { address, say, logRequests, listening } = await consumerProcess(); // address, narration, the demo's handshake

// `restConsumer` starts an express 5 server with the routes `POST /messages` and `POST /close`
// (and `GET /health`); `logRequests` narrates each request as it arrives.
const consumer = await restConsumer(address, { configure: logRequests });
listening();

// A slow consumer: after each message it is busy for 400 ms, and a request that arrives meanwhile
// waits in the server, unanswered, until the loop takes its message. A producer's `POST /close`
// ends the loop; closing stops the server and frees the port.
let count = 0;
for await (const message of consumer) {
  say("RECEIVED", `#${++count} ${preview(message)}`);
  await sleep(400);
}
say("END", `a producer closed the stream after ${count} messages`);
await consumer.close();
