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
import { pipesNamedCard } from "./cards.ts";
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
  /** Messages waiting while the kernel's pipe buffer is full; written in call order on 'drain'. */
  readonly #queue: Uint8Array[] = [];
  #draining = false;
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
    // Written at once while there is room; queued (the caller's buffer, no copy) while not.
    if (this.#draining) this.#queue.push(message);
    else this.#write(message);
    return acked;
  }

  #write(message: Uint8Array): void {
    const room = this.#data.write(encodeFrame(message, this.#address.maxMessageSize), this.#written);
    // Backpressure: the pipe buffer is full and Node holds this frame; wait for 'drain'.
    if (!room) {
      this.#draining = true;
      this.#data.once("drain", this.#drained);
    }
  }

  readonly #written = (error?: Error | null) => {
    if (error) this.#fail(fifoWriteError(this.#address.data, error));
  };

  readonly #drained = () => {
    this.#draining = false;
    while (!this.#draining && !this.#failure && this.#queue.length > 0) this.#write(this.#queue.shift()!);
  };

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#queue.length = 0;
    this.#draining = false;
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
    // Every queued frame goes out before the end of the stream.
    while (this.#draining && !this.#failure) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#data.off("drain", done);
          this.#data.off("close", done);
          resolve();
        };
        this.#data.on("drain", done);
        this.#data.on("close", done);
      });
    }
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
  return new NamedPipeConsumer(address, openFifoReader(address.data));
}

/** Decoded messages the consumer holds before it stops reading the FIFO (kernel backpressure). */
const CONSUMER_BUFFER_BYTES = 64 * 1024;

class NamedPipeConsumer implements Consumer {
  readonly #address: NamedPipeAddress;
  readonly #data: Socket;
  readonly #decoder: FrameDecoder;
  /** Decoded, not yet taken; `#head` is the next one (no O(n) shift per message). */
  #messages: Buffer[] = [];
  #head = 0;
  #bufferedBytes = 0;
  #paused = false;
  #waiter:
    | { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: Error) => void }
    | undefined;
  #ended = false;
  #failure: Error | undefined;
  #closed = false;
  /** undefined: not opened yet; null: released, or the producer is gone (ENXIO). */
  #acks: Socket | null | undefined;
  #unacked = 0;

  constructor(address: NamedPipeAddress, data: Socket) {
    this.#address = address;
    this.#data = data;
    this.#decoder = new FrameDecoder(address.maxMessageSize);
    data.on("data", (chunk: Buffer) => {
      try {
        for (const message of this.#decoder.push(chunk)) {
          this.#messages.push(message);
          this.#bufferedBytes += message.byteLength;
        }
      } catch (error) {
        this.#finish(error as Error);
        return;
      }
      // Stop reading while the application lags: the FIFO fills and the producer waits.
      if (this.#bufferedBytes >= CONSUMER_BUFFER_BYTES && !this.#paused) {
        this.#paused = true;
        data.pause();
      }
      this.#wake();
    });
    data.once("end", () => {
      try {
        this.#decoder.end();
        this.#finish();
      } catch (error) {
        this.#finish(error as Error);
      }
    });
    data.once("error", (error) => this.#finish(error));
    data.once("close", () => this.#finish());
  }

  #finish(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error && !this.#closed) this.#failure = error;
    this.#data.destroy();
    this.#wake();
  }

  /** Settles a pending next() if there is something to say. */
  #wake(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    const result = this.#take();
    if (result === undefined) return;
    this.#waiter = undefined;
    if (result instanceof Error) waiter.reject(result);
    else waiter.resolve(result);
  }

  /** The next result if one is ready: a message, the end, or the failure; undefined to wait. */
  #take(): IteratorResult<Uint8Array> | Error | undefined {
    if (this.#head < this.#messages.length) {
      const message = this.#messages[this.#head++]!;
      if (this.#head === this.#messages.length) {
        this.#messages = [];
        this.#head = 0;
      }
      this.#bufferedBytes -= message.byteLength;
      if (this.#paused && this.#bufferedBytes < CONSUMER_BUFFER_BYTES && !this.#ended) {
        this.#paused = false;
        this.#data.resume();
      }
      // Ack as the message is handed over: this is when the consumer has taken it.
      this.#ack();
      return { done: false, value: message };
    }
    if (!this.#ended) return undefined;
    this.#releaseAcks();
    if (this.#failure) {
      const failure = this.#failure;
      this.#failure = undefined;
      return failure;
    }
    return { done: true, value: undefined };
  }

  // Acks for messages taken in one burst go out together, right after the code that took them
  // has run (process.nextTick): one write(2) for many messages, and a reader that narrates a
  // message does so before the writer can learn it was taken.
  #ack(): void {
    if (this.#unacked++ === 0) process.nextTick(this.#flushAcks);
  }

  readonly #flushAcks = () => {
    const count = this.#unacked;
    this.#unacked = 0;
    if (count > 0) this.#openAcks()?.write(count === 1 ? ACK_BYTE : Buffer.alloc(count, ACK));
  };

  #openAcks(): Socket | null {
    if (this.#acks !== undefined) return this.#acks;
    try {
      // The producer opened its ack reader before the data FIFO, so a producer that has
      // written anything has it open; ENXIO (null) means it is gone.
      this.#acks = tryOpenFifoWriter(this.#address.acks);
    } catch {
      this.#acks = null;
    }
    return this.#acks;
  }

  // Closing the ack FIFO tells the producer this consumer is done. Opening it only to close it
  // (when no message ever came) still wakes the producer's reader with end-of-file.
  #releaseAcks(): void {
    this.#flushAcks();
    this.#openAcks()?.end();
    this.#acks = null;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        if (this.#waiter)
          return Promise.reject(new IpcError("EBUSY", "next() called while another next() waits"));
        const result = this.#take();
        if (result instanceof Error) return Promise.reject(result);
        if (result !== undefined) return Promise.resolve(result);
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      },
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#messages = [];
    this.#head = 0;
    this.#finish();
    this.#releaseAcks();
  }
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
    // Both readers and the second writer start now but act only when told: Node processes start slowly.
    const reader = spawnScript(readerScript, {
      narrator,
      args: [JSON.stringify(first.address), "300", "--wait-for-go"],
    });
    const killed = watch(["RECEIVED"]);
    const doomed = spawnScript(readerScript, {
      narrator: killed.watching,
      args: [JSON.stringify(second.address), "0", "--wait-for-go"],
    });
    const writer2 = spawnScript(writerScript, {
      narrator,
      args: [JSON.stringify(second.address), "500", "--wait-for-go", "first", "second"],
    });
    children.push(reader, doomed, writer2);

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

export const pipesNamed: Variant<NamedPipeAddress> = {
  id: "pipes-named",
  taxonomy: { ...taxonomy["pipes-named"], medium: "a FIFO made with mkfifo" },
  card: pipesNamedCard,
  summary:
    "A FIFO made with mkfifo (mode 0600, private directory) between processes; a second FIFO carries acks so send resolves when the consumer took the message.",
  module: import.meta.url,
  open: (options) => openNamedPipe(options),
  producer: (address) => connectNamedPipeProducer(address),
  consumer: (address) => openNamedPipeConsumer(address),
  demo,
};
