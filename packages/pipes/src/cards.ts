/**
 * The catalogue cards of this package's variants: what the harness lists, explains, documents
 * and benchmarks about each, declared once here. A card says how the variant behaves (the
 * semantics rows of its page and of the comparison), which C ceiling the benchmark compares it
 * with, and which code its catalogue page shows (paths from this package's folder; `file#name`
 * for just the function `name`).
 */

import type { VariantCard } from "@ipc-atlas/core";

export const pipesUnnamedCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "1 MiB",
  semantics: {
    blocking: "`write` waits until the reader has consumed every byte; `read` waits for a writer",
    buffering: "none: bytes go straight from the writer's buffer to the reader's",
    ordering: "byte order of the stream",
    delivery:
      "exactly-once inside the process (nothing can fail between the two sides but the process itself)",
    durability: "none: process memory",
    boundaries: "a byte stream; messages are framed with a 4-byte length prefix",
    scope: "asynchronous tasks of one process",
    limits: "memory; messages up to 1 MiB by default, up to 16 MiB with open({ maxMessageSize })",
  },
  demoSources: ["examples/01-unnamed-pipe.ts"],
};

export const pipesUnnamedIoCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "1 MiB",
  semantics: {
    blocking:
      "as pipes-unnamed: a chunk written into the Writable is done only once the Readable has taken it from the pipe",
    buffering:
      "none in the variant (its two streams have highWaterMark 0); in a pipeline of your own, each stream buffers up to its highWaterMark (16 KiB by default)",
    ordering: "byte order of the stream",
    delivery: "exactly-once inside the process",
    durability: "none: process memory",
    boundaries: "a byte stream; transforms (gzip) may re-chunk it; messages are framed",
    scope: "asynchronous tasks of one process",
    limits: "memory; messages up to 1 MiB by default, up to 16 MiB with open({ maxMessageSize })",
  },
  demoSources: ["examples/02-unnamed-pipe-streams.ts"],
};

export const pipesNamedCard: VariantCard = {
  survives: "no",
  consumers: "one",
  maxMessage: "1 MiB",
  producerDeath: "end",
  ceiling: "fifo",
  semantics: {
    blocking:
      "opening for writing waits for a reader; `send` waits for the reader's ack on a second FIFO (a FIFO write alone waits only while the kernel's pipe buffer is full)",
    buffering: "the kernel pipe buffer (64 KiB by default, up to /proc/sys/fs/pipe-max-size)",
    ordering:
      "FIFO, with one producer per endpoint: the kernel keeps a write whole only up to PIPE_BUF (4096 bytes), so a second writer's larger frames could interleave",
    delivery:
      "at-most-once: a message the reader has not taken dies with it; the writer's pending send rejects with EPIPE",
    durability: "none: the FIFO's name stays in the file system, its data does not",
    boundaries: "a byte stream; messages are framed",
    scope: "processes on one host that can open the path",
    limits: "file permissions (0600); frames up to 16 MiB",
  },
  demoSources: [
    "src/demo-pipes-named.ts",
    "examples/03-named-pipe-writer.ts",
    "examples/04-named-pipe-reader.ts",
  ],
};
