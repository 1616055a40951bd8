// The client process, and the producer: it calls the Greeter, then sends two messages with the
// Messages service's unary `Send`. Run by hand: `02-client.ts grpc-os /tmp/demo.sock`.

import { clientProcess } from "../src/demo-support.ts";
import type { GrpcError } from "../src/index.ts";

const { variant, address, say } = await clientProcess(); // argv, narration, the demo's go

// A typed client of the Greeter: every method is a unary call with a deadline (5 s), and a call
// that fails comes back as a gRPC status code, thrown as a GrpcError.
const greeter = variant.greeter(address);
say("REPLY", `SayHello("Ada") → ${JSON.stringify(await greeter.sayHello("Ada"))}`);
await greeter.getPersonInfo("Nobody").catch((error: GrpcError) => {
  say("ERROR", `GetPersonInfo("Nobody") → status ${error.statusName} (${error.status})`);
});
greeter.close();

// The Producer: each `send` is one `Send` call, answered once the consumer has taken the
// message, so a busy consumer holds the sender (the second send below waits for it). `close()`
// is the `End` call, answered once the consumer's loop has seen the end.
const producer = await variant.producer(address);
for (const text of ["hello", "over gRPC"]) {
  const started = performance.now();
  await producer.send(Buffer.from(text));
  say("SENT", `${JSON.stringify(text)}: answered after ${Math.round(performance.now() - started)} ms`);
}
await producer.close();
say("CLOSED", "the server saw the end");
