// The writer of a named pipe, a process of its own: it opens the FIFO at a path both processes
// know and sends each word of its command line, to the reader of 04-named-pipe-reader.ts.
// Run: `node --import tsx examples/03-named-pipe-writer.ts '<address JSON>' word...`

import { childNarrator, type IpcError } from "@ipc-atlas/core";
import { connectNamedPipeProducer, type NamedPipeAddress } from "../src/pipes-named.ts";

const [address = "", ...words] = process.argv.slice(2);
const { sayAs: say } = childNarrator(`writer pid ${process.pid}`);

// Open the data FIFO for writing. While no process has it open for reading, the kernel
// refuses (ENXIO, for a non-blocking open), and the producer retries.
const producer = await connectNamedPipeProducer(JSON.parse(address) as NamedPipeAddress, {
  onWaitForReader: () => say("WAIT", "ENXIO: no process has the FIFO open for reading yet"),
});
say("OPENED", "a reader is there");

// Each frame goes into the kernel's pipe buffer at once, but the send resolves only when the
// reader's ack byte for it comes back on `acks`. If the reader dies first, the send rejects
// (Node ignores SIGPIPE) and the message is lost. Closing gives the reader end-of-file.
for (const [i, word] of words.entries()) {
  say("SEND", `#${i + 1} ${JSON.stringify(word)}`);
  await producer.send(Buffer.from(word)).catch(({ name, code, message }: IpcError) => {
    say("LOST", `#${i + 1} ${name} (${code}): ${message}`);
    process.exit(0);
  });
  say("SENT", `#${i + 1} acked: the reader took it`);
}
await producer.close();
