/**
 * pipes-named: a FIFO made with mkfifo, between processes. `open` creates a private directory
 * (mkdtemp, 0700) holding two FIFOs (mode 0600): `data` carries length-prefixed frames from
 * producer to consumer, `acks` carries one byte back for every message the consumer takes —
 * a FIFO pair, like a duplex named pipe. Both ends are non-blocking descriptors in net.Socket.
 *
 * Why the second FIFO: the taxonomy calls pipes-named synchronous, so `send` must not resolve
 * before the consumer has taken the message. A lone FIFO cannot say that: a write returns as
 * soon as the kernel has copied the bytes into its 64 KiB pipe buffer, which would make `send`
 * asynchronous in fact. So `send` writes the frame and resolves when the consumer's ack for it
 * arrives; the consumer acks a message as its iteration hands it over. Sends may be issued
 * without awaiting each other: frames then stream ahead, up to the pipe buffer, and each send
 * resolves on its own ack.
 *
 * Kernel semantics kept as they are: the consumer may open first and waits quietly; a producer
 * waits for a reader (open O_WRONLY|O_NONBLOCK fails with ENXIO until one comes); a reader that
 * dies turns the producer's next send into BrokenPipeError (code EPIPE) — Node ignores SIGPIPE,
 * so nothing crashes. One producer per endpoint: the ack FIFO pairs one writer with one reader.
 * (Raw multi-writer use of one FIFO, where writes of at most PIPE_BUF bytes never interleave,
 * is in fifo.ts.) The consumer cannot tell a producer that closed from one that died between
 * two frames: both are EOF. One that died inside a frame gives a FrameError.
 */

import { statSync } from "node:fs";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  AddressError,
  type ChildHandle,
  ClosedError,
  type Consumer,
  DEFAULT_MAX_FRAME_BYTES,
  type Endpoint,
  encodeFrame,
  FrameDecoder,
  FrameError,
  IpcError,
  MessageTooLargeError,
  type Narrator,
  type OpenOptions,
  type Producer,
  spawnScript,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import {
  BrokenPipeError,
  fifoWriteError,
  makeFifoDirectory,
  type OpenWriterOptions,
  openFifoReader,
  openFifoWriter,
  tryOpenFifoWriter,
} from "./fifo.ts";

/** Where a named pipe is: plain JSON, handed to producer and consumer processes. */
export interface NamedPipeAddress {
  /** The private directory (0700) that holds both FIFOs; removed by Endpoint.close(). */
  readonly dir: string;
  /** FIFO for frames, producer → consumer. */
  readonly data: string;
  /** FIFO for acknowledgements, consumer → producer: one byte per message taken. */
  readonly acks: string;
  readonly maxMessageSize: number;
}

/** Default largest message; `open({ maxMessageSize })` changes it (up to core's 16 MiB frame limit). */
export const DEFAULT_NAMED_PIPE_MESSAGE_BYTES = 1024 * 1024;
const ACK = 0x06;
const ACK_BYTE = Uint8Array.of(ACK);

function invalid(message: string, hint: string): IpcError {
  return new IpcError("EINVAL", message, { hint });
}

/** Creates the FIFO pair in a private directory. Endpoint.close() removes it (idempotent). */
export async function openNamedPipe(options: OpenOptions = {}): Promise<Endpoint<NamedPipeAddress>> {
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_NAMED_PIPE_MESSAGE_BYTES;
  if (!Number.isInteger(maxMessageSize) || maxMessageSize < 0 || maxMessageSize > DEFAULT_MAX_FRAME_BYTES) {
    throw invalid(
      `maxMessageSize ${maxMessageSize} is not a size a named pipe can carry`,
      `use a whole number of bytes from 0 to ${DEFAULT_MAX_FRAME_BYTES}`,
    );
  }
  const fifos = await makeFifoDirectory(["data", "acks"]);
  return {
    address: { dir: fifos.dir, data: fifos.paths.data!, acks: fifos.paths.acks!, maxMessageSize },
    maxMessageSize,
    async close() {
      fifos.remove();
    },
  };
}

function checkAddress(address: NamedPipeAddress): void {
  const ok =
    typeof address === "object" &&
    address !== null &&
    typeof address.data === "string" &&
    typeof address.acks === "string" &&
    Number.isInteger(address.maxMessageSize);
  if (!ok) {
    throw new AddressError(
      "EINVAL",
      `not a named-pipe address: ${JSON.stringify(address)}`,
      "pass the address that pipesNamed.open() returned: { dir, data, acks, maxMessageSize }",
    );
  }
}

export type NamedPipeProducerOptions = OpenWriterOptions;

/**
 * Attaches a producer: opens the ack FIFO for reading, then the data FIFO for writing, which
 * waits until a consumer has it open for reading (see `openFifoWriter` for signal, timeoutMs
 * and onWaitForReader).
 */
export async function connectNamedPipeProducer(
  address: NamedPipeAddress,
  options: NamedPipeProducerOptions = {},
): Promise<Producer> {
  checkAddress(address);
  // Acks first: once the data FIFO is open the consumer may take a message and ack it at once.
  const acks = openFifoReader(address.acks);
  try {
    const data = await openFifoWriter(address.data, options);
    return new NamedPipeProducer(address, data, acks);
  } catch (error) {
    acks.destroy();
    throw error;
  }
}

class NamedPipeProducer implements Producer {
  readonly #address: NamedPipeAddress;
  readonly #data: Socket;
  readonly #acks: Socket;
  /** One per frame written or queued, oldest first; the next ack byte settles the first. */
  readonly #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  /** Writes go out one after another, in call order. */
  #writing: Promise<void> = Promise.resolve();
  #failure: Error | undefined;
  #closed = false;
  readonly #acksClosed: Promise<void>;

  constructor(address: NamedPipeAddress, data: Socket, acks: Socket) {
    this.#address = address;
    this.#data = data;
    this.#acks = acks;
    acks.on("data", (chunk: Buffer) => {
      for (const byte of chunk) {
        const waiter = this.#waiters.shift();
        if (byte !== ACK || !waiter) {
          this.#fail(new FrameError(`unexpected byte ${byte} on the ack FIFO ${address.acks}`));
          return;
        }
        waiter.resolve();
      }
    });
    this.#acksClosed = new Promise((resolve) => acks.once("close", () => resolve()));
    // The consumer closes its end of the ack FIFO when it stops: after the end of the stream,
    // on consumer.close(), or when its process dies.
    acks.once("end", () => {
      const pending = this.#waiters.length;
      this.#fail(
        new BrokenPipeError(
          `the reader of ${address.data} went away (it closed the FIFO or its process exited)` +
            (pending > 0 ? ` before taking ${pending} message${pending === 1 ? "" : "s"} sent to it` : ""),
        ),
      );
    });
  }

  send(message: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError("named-pipe producer"));
    const limit = this.#address.maxMessageSize;
    if (message.byteLength > limit) {
      return Promise.reject(new MessageTooLargeError(message.byteLength, limit, "this named pipe"));
    }
    if (this.#failure) return Promise.reject(this.#failure);
    const acked = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.#writing = this.#writing.then(() => this.#write(message));
    return acked;
  }

  async #write(message: Uint8Array): Promise<void> {
    if (this.#failure) return;
    const data = this.#data;
    // Encoded here, not in send(): a queued send holds only the caller's buffer, no copy.
    const room = data.write(encodeFrame(message, this.#address.maxMessageSize), (error) => {
      if (error) this.#fail(fifoWriteError(this.#address.data, error));
    });
    // Backpressure: the kernel's pipe buffer is full and Node queued the frame; wait until it drains.
    if (!room && !this.#failure) {
      await new Promise<void>((resolve) => {
        const done = () => {
          data.off("drain", done);
          data.off("close", done);
          resolve();
        };
        data.on("drain", done);
        data.on("close", done);
      });
    }
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#data.destroy();
    this.#acks.destroy();
  }

  /**
   * Ends the stream after every message sent so far and resolves once the consumer has read
   * to the end (it then closes the ack FIFO) or has gone away.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writing;
    if (!this.#failure) await new Promise<void>((resolve) => this.#data.end(resolve));
    this.#data.destroy();
    await this.#acksClosed;
  }
}

/**
 * Attaches a consumer: opens the data FIFO for reading, which succeeds at once; from then on a
 * producer's open for writing succeeds. Each message is acked as the iteration hands it over.
 */
export async function openNamedPipeConsumer(address: NamedPipeAddress): Promise<Consumer> {
  checkAddress(address);
  const data = openFifoReader(address.data);
  const decoder = new FrameDecoder(address.maxMessageSize);
  // undefined: not opened yet; null: released, or the producer is gone (ENXIO).
  let acks: Socket | null | undefined;
  let closed = false;

  const openAcks = (): Socket | null => {
    if (acks !== undefined) return acks;
    try {
      // The producer opened its ack reader before the data FIFO, so a producer that has
      // written anything has it open; ENXIO (null) means it is gone.
      acks = tryOpenFifoWriter(address.acks);
    } catch {
      acks = null;
    }
    return acks;
  };
  // Acks for messages taken in one burst go out together, right after the code that took them
  // has run (process.nextTick): one write(2) for many messages, and a reader that narrates a
  // message does so before the writer can learn it was taken.
  let unacked = 0;
  const flushAcks = () => {
    const count = unacked;
    unacked = 0;
    if (count > 0) openAcks()?.write(count === 1 ? ACK_BYTE : Buffer.alloc(count, ACK));
  };
  const ack = () => {
    if (unacked++ === 0) process.nextTick(flushAcks);
  };

  // Closing the ack FIFO tells the producer this consumer is done. Opening it only to close it
  // (when no message ever came) still wakes the producer's reader with end-of-file.
  const releaseAcks = () => {
    flushAcks();
    openAcks()?.end();
    acks = null;
  };

  async function* messages(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of data) {
        for (const message of decoder.push(chunk as Buffer)) {
          // Ack as the message is handed over: this is when the consumer has taken it.
          ack();
          yield message;
        }
      }
      if (!closed) decoder.end();
    } catch (error) {
      if (!closed) throw error;
    } finally {
      releaseAcks();
      data.destroy();
    }
  }
  const iterator = messages();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      data.destroy();
      releaseAcks();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The demo: a writer and a reader in two separate processes.

async function demo(narrator: Narrator): Promise<void> {
  const writerScript = new URL("../examples/01-named-pipe-writer.ts", import.meta.url);
  const readerScript = new URL("../examples/02-named-pipe-reader.ts", import.meta.url);
  const children: ChildHandle[] = [];
  // Resolves when an actor narrates one of the events.
  const watch = (events: string[]) => {
    let seen = () => {};
    const promise = new Promise<void>((resolve) => {
      seen = resolve;
    });
    const watching: Narrator = {
      say(actor, event, detail) {
        narrator.say(actor, event, detail);
        if (events.includes(event)) seen();
      },
      note: (text) => narrator.note(text),
    };
    return { promise, watching };
  };
  const first = await openNamedPipe();
  const second = await openNamedPipe();
  try {
    const mode = statSync(first.address.data).mode & 0o777;
    narrator.say("parent", "MKFIFO", `${first.address.data} and …/acks, mode 0${mode.toString(8)}`);
    // Both readers start now but open their FIFO only when told: Node processes start slowly.
    const reader = spawnScript(readerScript, {
      narrator,
      args: [JSON.stringify(first.address), "300", "wait-for-go"],
    });
    const killed = watch(["RECEIVED"]);
    const doomed = spawnScript(readerScript, {
      narrator: killed.watching,
      args: [JSON.stringify(second.address), "0", "wait-for-go"],
    });
    children.push(reader, doomed);

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
    doomed.process.send({ go: true });
    const writer2 = spawnScript(writerScript, {
      narrator,
      args: [JSON.stringify(second.address), "500", "first", "second"],
    });
    children.push(writer2);
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

export const pipesNamed: Variant<NamedPipeAddress> = {
  id: "pipes-named",
  taxonomy: taxonomy["pipes-named"],
  summary:
    "A FIFO made with mkfifo (mode 0600, private directory) between processes; a second FIFO carries acks so send resolves when the consumer took the message.",
  module: import.meta.url,
  open: (options) => openNamedPipe(options),
  producer: (address) => connectNamedPipeProducer(address),
  consumer: (address) => openNamedPipeConsumer(address),
  demo,
};
