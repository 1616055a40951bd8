/**
 * The pipes demos show what their pages claim: an unnamed pipe's write resolves only after the
 * read that took its last byte; the stream pair carries gzip both ways; a FIFO write does not
 * wait for the reader, a FIFO writer waits for a reader to open, each send waits for the ack,
 * and a message in the pipe when its reader dies is lost with EPIPE at the writer.
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { pipesNamed, pipesUnnamed, pipesUnnamedIo } from "../src/index.ts";

/** The demo's narration as "actor EVENT detail" lines, process ids taken out. */
async function narration(variant: AnyVariant): Promise<string[]> {
  const lines: string[] = [];
  await variant.demo!({
    say: (actor, event, detail) => lines.push(`${actor} ${event} ${detail ?? ""}`.replace(/ pid \d+/g, "")),
    note: (text) => lines.push(`· ${text}`),
  });
  return lines;
}

it("pipes-unnamed: the write resolves after the read that took its last byte, and send after the take", async () => {
  const lines = await narration(pipesUnnamed);
  const sent = lines.pop();
  expect(lines).toEqual([
    "writer WRITE 33 bytes; the write resolves when the reader has taken them all",
    'reader READ "some io."',
    'reader READ "Reader s"',
    'reader READ "tream to"',
    'reader READ " be read"',
    'reader READ "\\n"',
    "writer WROTE resolved: the last byte was read; close, and the reader gets EOF",
    "reader EOF read resolved null: the writer closed after its last byte was read",
    'producer SEND "hello"; send waits for the consumer',
    'consumer RECEIVED "hello"',
  ]);
  // The consumer asked 200 ms after the send: the send waited for it.
  const ms = Number(
    /^producer SENT resolved after (\d+) ms, once the consumer took it$/.exec(sent ?? "")?.[1],
  );
  expect(ms).toBeGreaterThanOrEqual(195);
});

it("pipes-unnamed-io: three lines cross the pipe gzipped and come out whole, then a framed message", async () => {
  const lines = await narration(pipesUnnamedIo);
  // Each side's lines in order; how the two sides interleave depends on zlib's thread pool.
  const of = (actor: string) => lines.filter((l) => l.startsWith(`${actor} `));
  expect(of("writer")).toEqual([
    'writer SEND "It was the best of times,"',
    'writer SEND "it was the worst of times,"',
    'writer SEND "it was the age of pipes."',
  ]);
  expect(of("reader")).toEqual([
    "reader READ 42 gzip bytes from the pipe",
    'reader RECEIVED "It was the best of times,"',
    "reader READ 14 gzip bytes from the pipe",
    'reader RECEIVED "it was the worst of times,"',
    "reader READ 20 gzip bytes from the pipe",
    'reader RECEIVED "it was the age of pipes."',
    "reader READ 10 gzip bytes from the pipe",
    "reader END the writer's end() closed the pipe after gzip's trailer",
  ]);
  expect(lines.slice(-3)).toEqual([
    'producer SEND "hello, stream"; send waits for the consumer',
    'consumer RECEIVED "hello, stream"',
    "producer SENT resolved, now that the consumer took it",
  ]);
});

it("pipes-named: a FIFO write does not wait, the writer waits for a reader, sends wait for acks, a killed reader's message is lost", async () => {
  const lines = await narration(pipesNamed);
  const of = (actor: string) => lines.filter((l) => l.startsWith(`${actor} `));
  expect(of("parent")).toEqual([
    expect.stringMatching(/^parent MKFIFO \S+\/data \(frames →\) and …\/acks .* mode 0600$/),
    expect.stringMatching(/^parent WROTE 5 bytes into \S+, a FIFO nobody reads: the write resolved at once$/),
    "parent STOP reader (SIGSTOP): it keeps the FIFO open and reads nothing",
    "parent KILL reader (SIGKILL), #1 still in the pipe",
  ]);
  expect(of("writer")).toEqual([
    "writer WAIT ENXIO: no process has the FIFO open for reading yet",
    "writer OPENED a reader is there",
    'writer SEND #1 "hello"',
    "writer SENT #1 acked: the reader took it",
    'writer SEND #2 "pipe"',
    "writer SENT #2 acked: the reader took it",
    "writer OPENED a reader is there",
    'writer SEND #1 "lost"',
    expect.stringMatching(/^writer LOST #1 BrokenPipeError \(EPIPE\): .* before taking 1 message sent to it/),
  ]);
  expect(of("reader")).toEqual([
    "reader OPENED the FIFO is open for reading",
    'reader RECEIVED "hello"',
    'reader RECEIVED "pipe"',
    "reader END end of file: the writer closed the FIFO",
    "reader OPENED the FIFO is open for reading",
  ]);
  // The order the demo makes certain: the writer waited before any reader opened; the second
  // reader was stopped before its writer opened; the kill came before the loss.
  const at = (line: string) => lines.indexOf(line);
  expect(at("writer WAIT ENXIO: no process has the FIFO open for reading yet")).toBeLessThan(
    at("reader OPENED the FIFO is open for reading"),
  );
  expect(lines.findIndex((l) => l.startsWith("parent STOP"))).toBeLessThan(
    lines.lastIndexOf("writer OPENED a reader is there"),
  );
  expect(lines.findIndex((l) => l.startsWith("parent KILL"))).toBeLessThan(
    lines.findIndex((l) => l.startsWith("writer LOST")),
  );
});
