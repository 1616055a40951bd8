/**
 * The narrated demo of pipes-named: a writer and a reader in two separate processes
 * (examples/03-named-pipe-writer.ts and examples/04-named-pipe-reader.ts), joined by two FIFOs:
 * `data` carries the frames, `acks` carries one byte back for every message the reader takes.
 * It first shows that a plain FIFO write does not wait for the reader, which is why the second
 * FIFO is there. Then a writer waits for its reader and each send waits for the ack, and last
 * a reader is killed while a message waits in the pipe for it.
 *
 * Each step waits for the line that makes the next one certain (the writer's ENXIO before the
 * reader starts; the second reader open, then stopped, before its writer starts), so the
 * transcript does not depend on which process the scheduler runs first.
 */

import { statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Narrator } from "@ipc-atlas/core";
import { type Example, startExample } from "./demo-support.ts";
import { makeFifoDirectory, openFifoReader, openFifoWriter, writeToFifo } from "./fifo.ts";
import { openNamedPipe } from "./pipes-named.ts";

const WRITER = "03-named-pipe-writer.ts";
const READER = "04-named-pipe-reader.ts";

export async function demo(narrator: Narrator): Promise<void> {
  const first = await openNamedPipe();
  const second = await openNamedPipe();
  const started: Example[] = [];
  const start = (name: string, args: string[]) => {
    const example = startExample(narrator, name, args);
    started.push(example);
    return example;
  };
  try {
    const mode = statSync(first.address.data).mode & 0o777;
    narrator.say(
      "parent",
      "MKFIFO",
      `${first.address.data} (frames →) and …/acks (← one byte per message taken), mode 0${mode.toString(8)}`,
    );
    await plainFifoWrite(narrator);

    // The writer first: its open waits (ENXIO) until the reader, started only then, opens.
    const writer = start(WRITER, [JSON.stringify(first.address), "hello", "pipe"]);
    await writer.said("WAIT");
    const reader = start(READER, [JSON.stringify(first.address)]);
    await Promise.all([writer.child.exited, reader.child.exited]);

    const doomed = start(READER, [JSON.stringify(second.address)]);
    await doomed.said("OPENED");
    // A stopped process keeps the FIFO open but takes nothing: the frame stays in the pipe.
    doomed.child.kill("SIGSTOP");
    narrator.say(
      "parent",
      "STOP",
      `reader pid ${doomed.child.pid} (SIGSTOP): it keeps the FIFO open and reads nothing`,
    );
    const writer2 = start(WRITER, [JSON.stringify(second.address), "lost"]);
    await writer2.said("SEND", "#1");
    await sleep(100); // the frame is written right after the SEND line; give it time to land
    doomed.child.kill("SIGKILL");
    narrator.say("parent", "KILL", `reader pid ${doomed.child.pid} (SIGKILL), #1 still in the pipe`);
    await writer2.child.exited;
  } finally {
    for (const { child } of started) child.kill("SIGKILL");
    await first.close();
    await second.close();
  }
}

/** A lone FIFO: the write resolves once the kernel holds the bytes, whether or not anyone reads. */
async function plainFifoWrite(narrator: Narrator): Promise<void> {
  const fifo = await makeFifoDirectory(["plain"]);
  const path = fifo.paths.plain!;
  const reader = openFifoReader(path);
  reader.pause(); // open, but reading nothing
  const writer = await openFifoWriter(path);
  try {
    await writeToFifo(writer, path, Buffer.from("hello"));
    narrator.say("parent", "WROTE", `5 bytes into ${path}, a FIFO nobody reads: the write resolved at once`);
  } finally {
    writer.destroy();
    reader.destroy();
    fifo.remove();
  }
}
