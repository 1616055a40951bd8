/**
 * The narrated demo of pipes-named: a writer and a reader in two separate processes
 * (examples/01-named-pipe-writer.ts and examples/02-named-pipe-reader.ts), joined by two FIFOs:
 * `data` carries the frames, `acks` carries one byte back for every message the reader takes.
 * It first shows that a plain FIFO write does not wait for the reader, which is why the second
 * FIFO is there: `send` waits for the ack, not for the write.
 */

import { statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { type ChildHandle, type Narrator, spawnScript } from "@ipc-atlas/core";
import { makeFifoDirectory, openFifoReader, openFifoWriter, writeToFifo } from "./fifo.ts";
import { openNamedPipe } from "./pipes-named.ts";

export async function demo(narrator: Narrator): Promise<void> {
  const writerScript = new URL("../examples/01-named-pipe-writer.ts", import.meta.url);
  const readerScript = new URL("../examples/02-named-pipe-reader.ts", import.meta.url);
  const children: ChildHandle[] = [];
  // Resolves when an actor narrates one of the events.
  const watch = (events: string[], base: Narrator = narrator) => {
    let seen = () => {};
    const promise = new Promise<void>((resolve) => {
      seen = resolve;
    });
    const watching: Narrator = {
      say(actor, event, detail) {
        base.say(actor, event, detail);
        if (events.includes(event)) seen();
      },
      note: (text) => base.note(text),
    };
    return { promise, watching };
  };
  const first = await openNamedPipe();
  const second = await openNamedPipe();
  try {
    const mode = statSync(first.address.data).mode & 0o777;
    narrator.say(
      "parent",
      "MKFIFO",
      `${first.address.data} (frames →) and …/acks (← one byte per message taken), mode 0${mode.toString(8)}`,
    );
    // Both readers and the second writer start now but act only when told: Node processes start slowly.
    const reader = spawnScript(readerScript, {
      narrator,
      args: [JSON.stringify(first.address), "300", "--wait-for-go"],
    });
    const opened = watch(["OPENED"]);
    const killed = watch(["RECEIVED"], opened.watching);
    const doomed = spawnScript(readerScript, {
      narrator: killed.watching,
      args: [JSON.stringify(second.address), "0", "--wait-for-go"],
    });
    const writer2 = spawnScript(writerScript, {
      narrator,
      args: [JSON.stringify(second.address), "500", "--wait-for-go", "first", "second"],
    });
    children.push(reader, doomed, writer2);

    await plainFifoWrite(narrator);
    narrator.note("The writer starts first. The kernel makes it wait: there is no reader yet.");
    const waiting = watch(["WAIT", "OPENED"]);
    const writer = spawnScript(writerScript, {
      narrator: waiting.watching,
      args: [JSON.stringify(first.address), "0", "hello", "named", "pipe"],
    });
    children.push(writer);
    await Promise.race([waiting.promise, writer.exited]);
    await sleep(1000);
    narrator.note(
      "One second later, the reader process opens the FIFO for reading; the writer's open succeeds.",
    );
    reader.process.send({ go: true });
    await Promise.all([writer.exited, reader.exited]);

    narrator.note("Now a reader dies (kill -9) while the writer still has something to say.");
    // The reader first, so the writer finds it there (no ENXIO wait this time).
    doomed.process.send({ go: true });
    await Promise.race([opened.promise, doomed.exited]);
    writer2.process.send({ go: true });
    await Promise.race([killed.promise, writer2.exited]);
    doomed.kill("SIGKILL");
    narrator.say("parent", "KILL", `reader pid ${doomed.pid} (SIGKILL)`);
    await writer2.exited;
  } finally {
    for (const child of children) child.kill("SIGKILL");
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
    narrator.say(
      "parent",
      "WROTE",
      `5 bytes into a plain FIFO ${path}: the write resolved at once, and nobody has read them`,
    );
    narrator.note(
      "A FIFO write waits only for room in the kernel's pipe buffer (64 KiB), never for the reader. So",
    );
    narrator.note(
      "pipes-named's send waits for something else: the reader's ack byte, on the second FIFO (…/acks).",
    );
  } finally {
    writer.destroy();
    reader.destroy();
    fifo.remove();
  }
}
