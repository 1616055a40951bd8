/**
 * The demo's client process: calls the Greeter (SayHello, SayHelloAgain, GetPersonInfo), then
 * sends a few messages through a producer of the same endpoint (argv: the variant id; the
 * address JSON in IPC_ATLAS_ADDRESS, or host:port or a socket path in argv).
 */

import { childNarrator, type IpcError, preview, waitForGo } from "@ipc-atlas/core";
import { parseGrpcCommandLine } from "../src/index.ts";

const { variant, address } = parseGrpcCommandLine(process.argv.slice(2));
const narrator = childNarrator("client");

// Started by the demo: ready, then wait for the parent's go, sent once the server listens
// (run by hand: go at once).
if (process.send) {
  const go = waitForGo();
  process.send({ ready: true });
  await go;
}

// 1. The classic hello example: three unary calls, each with a 5 s deadline.
const greeter = variant.greeter(address);
narrator.sayAs("CALL", 'SayHello(name: "Ada")');
narrator.sayAs("REPLY", JSON.stringify(await greeter.sayHello("Ada")));
narrator.sayAs("CALL", 'SayHelloAgain(name: "Ada")');
narrator.sayAs("REPLY", JSON.stringify(await greeter.sayHelloAgain("Ada")));
narrator.sayAs("CALL", 'GetPersonInfo(name: "Grace")');
const grace = await greeter.getPersonInfo("Grace");
narrator.sayAs("REPLY", `name ${grace.name}, age ${grace.age}, email ${grace.email}`);
narrator.sayAs("CALL", 'GetPersonInfo(name: "Nobody")');
try {
  await greeter.getPersonInfo("Nobody");
} catch (error) {
  narrator.sayAs("ERROR", `${(error as IpcError).code}: nobody by that name (a typed GrpcError)`);
}
greeter.close();

// 2. The Producer: each send is a unary Send call that the server answers once the consumer took it.
const producer = await variant.producer(address);
const messages = ["hello", "from the client", "over gRPC", "goodbye"];
for (const [i, text] of messages.entries()) {
  const data = Buffer.from(text);
  narrator.sayAs("SEND", `#${i + 1} ${preview(data)}`);
  const sending = producer.send(data);
  // Say WAIT only if the call really is still unanswered after 100 ms.
  const waiting = setTimeout(
    () => narrator.sayAs("WAIT", `#${i + 1} Send not answered yet: the consumer has not taken it`),
    100,
  );
  await sending;
  clearTimeout(waiting);
  narrator.sayAs("SENT", `#${i + 1} the consumer took it`);
}

// 3. close(): the End call answers once the consumer's iteration has finished.
narrator.sayAs("CLOSE", "End: no more messages");
await producer.close();
narrator.sayAs("CLOSED", "the consumer saw the end");
process.disconnect?.();
