// The producer process is an HTTP client. Each `send` is one `POST /messages` with the message
// as its body, and resolves on the server's 204, sent once the consumer has taken the message.
// Run by hand: `IPC_ATLAS_TOKEN=… 02-producer.ts http://host:8080`.

import { postByHand, producerProcess } from "../src/demo-support.ts";
import { restProducer } from "../src/index.ts";

const { address, say } = await producerProcess(); // address, narration, the demo's go

// Attaching makes a `GET /health` on a keep-alive connection that the sends reuse. The first
// send finds the consumer waiting; the second waits in the server while the consumer is busy.
const producer = await restProducer(address);
for (const text of ["hello", "over HTTP"]) {
  const started = performance.now();
  await producer.send(Buffer.from(text));
  say("SENT", `${JSON.stringify(text)}: 204 after ${Math.round(performance.now() - started)} ms`);
}

// Requests made by hand, without the token or with a body type the server does not take, are
// refused with a status code, and no consumer ever sees them. Last, `POST /close` ends the
// stream: its 204 comes once the consumer's loop has taken the end.
if (address.token) say("REFUSED", `no token → ${await postByHand(address, { token: false })}`);
say("REFUSED", `text/plain → ${await postByHand(address, { contentType: "text/plain" })}`);
await producer.close();
say("CLOSED", "204: the consumer's loop has ended");
