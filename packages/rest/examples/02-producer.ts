/**
 * The demo's producer process: sends three messages through the rest Producer (each send
 * resolves on the server's 204, i.e. once the consumer took it), shows the errors a careful
 * HTTP service gives (too large, wrong content type, malformed JSON), then closes the stream.
 */

import { childNarrator, MessageTooLargeError, preview, waitForGo } from "@ipc-atlas/core";
import { Agent, request } from "undici";
import { parseRestAddress, restProducer } from "../src/index.ts";

// The demo passes open()'s JSON in IPC_ATLAS_ADDRESS (it holds the token, so never in argv); by
// hand, give host:port (consumer) or http://host:port (producer), and the token in IPC_ATLAS_TOKEN.
const address = parseRestAddress(process.env.IPC_ATLAS_ADDRESS ?? process.argv[2] ?? "127.0.0.1:8080");
const narrator = childNarrator("producer (client)");
const ms = (since: bigint) => `${(Number(process.hrtime.bigint() - since) / 1e6).toFixed(0)} ms`;

// Started by the demo: ready, then wait for the parent's go, sent once the server listens
// (run by hand: go at once).
if (process.send) {
  const go = waitForGo();
  process.send({ ready: true });
  await go;
}

// 1. Attach: GET /health on a keep-alive connection that every later request reuses.
const producer = await restProducer(address);
narrator.sayAs("CONNECT", `${address.url} answers GET /health`);

// 2. Three synchronous sends: each waits until the slow consumer has taken its message.
for (const [i, text] of ["hello", "over", "HTTP"].entries()) {
  const message = Buffer.from(text);
  narrator.sayAs("SEND", `#${i + 1} ${preview(message)} as POST /messages`);
  const started = process.hrtime.bigint();
  await producer.send(message);
  narrator.sayAs("SENT", `#${i + 1} 204 after ${ms(started)}: the consumer has taken it`);
  // A short pause so that this line reaches the demo's transcript before the server's line
  // about the next request (the two processes narrate over separate channels).
  await new Promise((resolve) => setTimeout(resolve, 30));
}

// 3. Too large: refused here, before any request is made.
try {
  await producer.send(new Uint8Array(address.maxMessageSize + 1));
} catch (error) {
  if (!(error instanceof MessageTooLargeError)) throw error;
  narrator.sayAs(
    "REFUSED",
    `${error.code}: no request sent (${address.maxMessageSize + 1} > ${address.maxMessageSize} bytes)`,
  );
}

// 4. What the server says to clients that get it wrong (plain HTTP, not the Producer). Only the
// first comes without the token: a stranger is refused before its body is read.
const dispatcher = address.tls ? new Agent({ connect: { ca: address.tls.ca } }) : undefined;
const authorization = address.token ? { authorization: `Bearer ${address.token}` } : {};
for (const [label, contentType, body, auth] of [
  ["a message without the token", "application/octet-stream", "intruder", {}],
  ["text/plain body", "text/plain", "hello", authorization],
  ["malformed JSON", "application/json", '{"text": "hel', authorization],
] as const) {
  if (!address.token && label.includes("token")) continue;
  narrator.sayAs("SEND", `${label} as POST /messages`);
  const reply = await request(`${address.url}/messages`, {
    method: "POST",
    headers: { "content-type": contentType, ...auth },
    body,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const json = (await reply.body.json()) as { error: { code: string; message: string } };
  narrator.sayAs("ERROR", `${reply.statusCode} ${json.error.code}: ${json.error.message}`);
}
await dispatcher?.close();

// 5. End the stream: POST /close is answered once the consumer's iteration has taken the end.
narrator.sayAs("CLOSE", "POST /close");
const started = process.hrtime.bigint();
await producer.close();
narrator.sayAs("CLOSED", `204 after ${ms(started)}: the consumer's iteration has ended`);
process.disconnect?.();
