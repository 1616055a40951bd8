/**
 * @ipc-atlas/pipes — pipes in three forms: an in-process io.Pipe (pipes-unnamed), the same pipe
 * as Node streams (pipes-unnamed-io), and a FIFO between processes (pipes-named).
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { pipesNamed } from "./pipes-named.ts";
import { pipesUnnamed } from "./pipes-unnamed.ts";
import { pipesUnnamedIo } from "./pipes-unnamed-io.ts";

export {
  BrokenPipeError,
  type FifoDirectory,
  liveFifoDirectories,
  makeFifoDirectory,
  mkfifo,
  type OpenWriterOptions,
  openFifoReader,
  openFifoWriter,
  PIPE_BUF,
  tryOpenFifoWriter,
  writeToFifo,
} from "./fifo.ts";
export { createPipe, Pipe, PipeReader, type PipeWaitOptions, PipeWriter } from "./pipe.ts";
export {
  connectNamedPipeProducer,
  DEFAULT_NAMED_PIPE_MESSAGE_BYTES,
  type NamedPipeAddress,
  type NamedPipeProducerOptions,
  openNamedPipe,
  openNamedPipeConsumer,
  pipesNamed,
} from "./pipes-named.ts";
export { DEFAULT_PIPE_MESSAGE_BYTES, pipesUnnamed, type UnnamedPipeAddress } from "./pipes-unnamed.ts";
export {
  createStreamPipe,
  type PipeReadableOptions,
  type PipeWritableOptions,
  pipeReadable,
  pipesUnnamedIo,
  pipeWritable,
} from "./pipes-unnamed-io.ts";

export const variants: AnyVariant[] = [pipesUnnamed, pipesUnnamedIo, pipesNamed];
