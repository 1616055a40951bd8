// The producer process of the tcp / tcp-ip demo: connects to the address it is given
// (argv: the variant id; IPC_ATLAS_ADDRESS: the address JSON), sends three small messages, then a burst that the busy
// consumer cannot keep up with, then closes.
import { childNarrator, preview, waitForGo } from "@ipc-atlas/core";
import type { TcpAddress, TcpProducer } from "../src/index.ts";
import { encodeMessage, variants } from "../src/index.ts";

// The address carries the endpoint's token, so it comes through the environment, never argv.
const [variantId] = process.argv.slice(2);
const variant = variants.find((v) => v.id === variantId)!;
const address = JSON.parse(process.env.IPC_ATLAS_ADDRESS ?? "null") as TcpAddress;
const narrator = childNarrator("producer");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Started alongside the consumer (to overlap their start-up), it waits for the word to connect.
if (process.send) await waitForGo();
narrator.sayAs("CONNECT", `to ${address.host}:${address.port} (pid ${process.pid})`);
const producer = (await variant.producer(address)) as TcpProducer;
narrator.sayAs("CONNECTED", `from local port ${producer.localPort}`);

for (const [i, text] of ["hello", "over", "tcp"].entries()) {
  const message = Buffer.from(text);
  const wire = encodeMessage(message)
    .toString("hex")
    .replace(/^(.{8})(.{2})/, "$1 $2 ");
  narrator.sayAs("SEND", `#${i + 1} ${preview(message)}  on the wire: ${wire} (length, tag, bytes)`);
  await producer.send(message);
  narrator.sayAs("SENT", `#${i + 1}: in the socket buffer; the consumer may not have it yet`);
  await sleep(150);
}

const burst = 256;
const size = 64 * 1024;
narrator.sayAs("SEND", `a burst of ${burst} messages of 64 KiB (${(burst * size) / 2 ** 20} MiB)`);
const started = Date.now();
let waitedAt: number | undefined;
for (let i = 0; i < burst; i++) {
  const sending = producer.send(Buffer.alloc(size, i & 0xff));
  // Narrate a wait only once a send has really been pending for a while.
  if (waitedAt === undefined && !(await settlesWithin(sending, 100))) {
    waitedAt = i + 1;
    narrator.sayAs(
      "WAIT",
      `message ${waitedAt} of the burst is still pending after 100 ms: ${((i * size) / 2 ** 20).toFixed(1)} MiB went out, ` +
        `the kernel's buffers are full (${producer.bufferedBytes} bytes wait in this process for 'drain')`,
    );
  }
  await sending;
}
const took = Date.now() - started;
narrator.sayAs(
  "SENT",
  waitedAt === undefined
    ? `all ${burst} in ${took} ms without waiting`
    : `all ${burst}; the sends went on as the consumer read again (${took} ms in all)`,
);
narrator.sayAs("CLOSE", "sends the END frame, then FIN");
await producer.close();
