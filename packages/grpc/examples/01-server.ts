/**
 * The demo's server process: the consumer of a grpc-os or grpc-network endpoint. It binds the
 * address (argv: the variant id; the address JSON in IPC_ATLAS_ADDRESS, or host:port or a
 * socket path in argv), hosts the Greeter beside the Messages service, and
 * takes messages one by one, pausing once so the client's synchronous Send visibly waits.
 */

import { childNarrator, preview, receiveListener } from "@ipc-atlas/core";
import { demoPeople, greeterService, parseGrpcCommandLine } from "../src/index.ts";

const { variant, address } = parseGrpcCommandLine(process.argv.slice(2));
const narrator = childNarrator("server");

// Started by the demo: the parent hands over the endpoint's listening socket (grpc-network) first.
if (process.send) await receiveListener(address);

// 1. Listen: consumer() resolves once the gRPC server is bound, so the client can dial at once.
const consumer = await variant.consumer(address, {
  services: [
    greeterService(demoPeople, (method, name) =>
      narrator.sayAs("SERVE", `${method}(name: ${JSON.stringify(name)})`),
    ),
  ],
});
narrator.sayAs("LISTEN", address.target);
process.send?.({ ready: true });

// 2. Take messages. Each pull answers that message's Send call: that is the synchronous contract.
let count = 0;
for await (const message of consumer) {
  count++;
  narrator.sayAs("RECEIVED", `#${count} ${preview(message)} (taken: its Send call is answered now)`);
  if (count === 2) {
    narrator.note("the server is busy for 500 ms before it takes the next message");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
narrator.sayAs("END", `the producer closed the stream after ${count} messages`);

// 3. Stop the server; on a Unix socket this also unlinks the socket file.
await consumer.close();
narrator.sayAs("CLOSED", "server stopped");
process.disconnect?.();
