/**
 * The narrated demo of pipes-unnamed: Go's io.Pipe example retold with the Pipe, then the same
 * pipe as a Producer/Consumer.
 */

import { type Narrator, type Producer, preview } from "@ipc-atlas/core";
import { createPipe } from "./pipe.ts";
import { openPipeEndpoint, pipesUnnamed } from "./pipes-unnamed.ts";

export async function demo(narrator: Narrator): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  narrator.note("Go's io.Pipe example, retold: r, w := io.Pipe()");
  narrator.note('go func() { fmt.Fprint(w, "some io.Reader stream to be read\\n"); w.Close() }()');
  narrator.note("io.Copy(os.Stdout, r) — here the reader copies with an 8-byte buffer, slowly");
  const { reader, writer } = createPipe();
  const text = Buffer.from("some io.Reader stream to be read\n");
  narrator.say(
    "writer",
    "WRITE",
    `${text.byteLength} bytes ${preview(text.subarray(0, text.byteLength - 1))}`,
  );
  let written = false;
  const writing = writer.write(text).then(() => {
    written = true;
  });
  await sleep(300);
  if (!written) narrator.say("writer", "WAIT", "write still pending after 300 ms: nobody has read yet");
  const buffer = new Uint8Array(8);
  let consumed = 0;
  let reported = false;
  for (;;) {
    const n = await reader.read(buffer);
    if (n === null) {
      narrator.say("reader", "EOF", "read resolved null: the writer closed and every byte was read");
      break;
    }
    consumed += n;
    const piece = Buffer.from(buffer.subarray(0, n)).toString().replace("\n", "\\n");
    narrator.say("reader", "READ", `${n} byte${n === 1 ? "" : "s"} "${piece}"`);
    // Let the writer's promise settle if this read was the last one it waited for.
    await sleep(0);
    const unread = text.byteLength - consumed;
    if (!written)
      narrator.say("writer", "WAIT", `still pending: ${unread} byte${unread === 1 ? "" : "s"} not read yet`);
    else if (!reported) {
      reported = true;
      narrator.say("writer", "WROTE", `write resolved: the reader has consumed all ${text.byteLength} bytes`);
      writer.close();
      narrator.say("writer", "CLOSE", "the reader will see EOF after the data");
    }
    await sleep(150);
  }
  await writing;

  narrator.note(
    "The same pipe as a Producer/Consumer: framed messages; send resolves when the consumer took one.",
  );
  const endpoint = openPipeEndpoint();
  const consumer = pipesUnnamed.consumer(endpoint.address);
  const producer = await pipesUnnamed.producer(endpoint.address);
  const iterator = (await consumer)[Symbol.asyncIterator]();
  try {
    for (const word of ["hello", "pipe"]) {
      const message = Buffer.from(word);
      await sendThenTake(
        narrator,
        producer,
        iterator,
        message,
        `${preview(message)} — the consumer has read the frame`,
      );
    }
    await producer.close();
    narrator.say("producer", "CLOSE", "");
    if ((await iterator.next()).done)
      narrator.say("consumer", "END", "iteration finished after the last message");
  } finally {
    await endpoint.close();
  }
}

/**
 * One synchronous send, narrated: the send stays pending while the consumer does not ask, and
 * resolves (`sent`) once the consumer has taken the message.
 */
export async function sendThenTake(
  narrator: Narrator,
  producer: Producer,
  consumer: AsyncIterator<Uint8Array>,
  message: Uint8Array,
  sent: string,
): Promise<void> {
  narrator.say("producer", "SEND", preview(message));
  let done = false;
  const sending = producer.send(message).then(() => {
    done = true;
    narrator.say("producer", "SENT", sent);
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (!done) narrator.say("producer", "WAIT", "send pending for 200 ms: the consumer has not asked yet");
  const next = await consumer.next();
  narrator.say("consumer", "RECEIVED", preview(next.value as Uint8Array));
  await sending;
}
