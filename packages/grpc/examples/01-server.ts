// The server process, and the consumer: it binds the endpoint (a Unix socket path for grpc-os,
// host:port for grpc-network) and answers each `Send` call only once it has taken that call's
// message. Run by hand: `01-server.ts grpc-os /tmp/demo.sock`.

import { setTimeout as sleep } from "node:timers/promises";
import { preview } from "@ipc-atlas/core";
import { serverProcess } from "../src/demo-support.ts";
import { greeterService } from "../src/index.ts";

const { variant, address, say, listening } = await serverProcess(); // argv, narration, the demo's handshake

// `consumer()` starts a gRPC server that hosts the Messages service, and here the Greeter too:
// one HTTP/2 server serves any number of services. It resolves once the server listens.
const consumer = await variant.consumer(address, { services: [greeterService()] });
listening();

// Taking a message answers its `Send` call. After the first, this server is busy for 500 ms, and
// the client's next `Send` waits all that time: nobody has taken its message yet. The client's
// `End` call ends the loop; closing stops the server (on grpc-os, unlinking the socket file).
let count = 0;
for await (const message of consumer) {
  say("RECEIVED", `#${++count} ${preview(message)}`);
  if (count === 1) await sleep(500);
}
say("END", `the client ended the stream after ${count} messages`);
await consumer.close();
