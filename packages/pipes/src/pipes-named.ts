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
 * so nothing crashes. The consumer cannot tell a producer that closed from one that died between
 * two frames: both are EOF. One that died inside a frame gives a FrameError.
 *
 * One producer per endpoint. The ack FIFO pairs one writer with one reader, and frames go up to
 * 16 MiB: the kernel keeps a write whole only up to PIPE_BUF (4096) bytes, so a larger frame
 * from a second writer could interleave with this one's. (Raw multi-writer use of one FIFO, with
 * writes of at most PIPE_BUF bytes, is in fifo.ts.)
 *
 * A corrupt frame ends the stream, on both sides, with a FrameError. Frames carry no marker to
 * resynchronise on: after a bad length the consumer cannot find the next frame boundary, and
 * every "message" it decoded from there on would be made of other bytes. So the consumer hands
 * over every message decoded before the bad frame, then its iteration rejects with FrameError,
 * and it tells the producer so with a NAK byte on the ack FIFO: the producer's pending and later
 * sends reject with FrameError too (not BrokenPipeError: the reader did not die, it refused the
 * stream). The only writers that can open the 0600 FIFO are this user's, so a corrupt frame
 * means a second writer or a bug, and a fresh endpoint is the way on.
 */

import type { Socket } from "node:net";
import {
  AddressError,
  AsyncQueue,
  ClosedError,
  type Consumer,
  DEFAULT_MAX_FRAME_BYTES,
  defineVariant,
  type Endpoint,
  encodeFrame,
  FrameDecoder,
  FrameError,
  IpcError,
  MessageTooLargeError,
  type OpenOptions,
  type Producer,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { pipesNamedCard } from "./cards.ts";
import { demo } from "./demo-pipes-named.ts";
import {
  BrokenPipeError,
  fifoWriteError,
  holdFifoWriter,
  makeFifoDirectory,
  type OpenWriterOptions,
  openFifoReader,
  openFifoWriter,
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
/** Sent instead of an ack when the consumer found a corrupt frame and ended the stream. */
const NAK = 0x15;
const NAK_BYTE = Uint8Array.of(NAK);

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
  /** The acks: each send parks a taker here in call order, and each ack byte settles the oldest. */
  readonly #acked = new AsyncQueue<void>();
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
        if (byte === NAK) {
          this.#fail(
            new FrameError(
              `the consumer of ${address.data} found a corrupt frame and ended the stream ` +
                "(a second writer on the FIFO, or a bug); open a new endpoint",
            ),
          );
          return;
        }
        if (byte !== ACK || this.#acked.waiting === 0) {
          this.#fail(new FrameError(`unexpected byte ${byte} on the ack FIFO ${address.acks}`));
          return;
        }
        this.#acked.push();
      }
    });
    this.#acksClosed = new Promise((resolve) => acks.once("close", () => resolve()));
    // The consumer closes its end of the ack FIFO when it stops: after the end of the stream,
    // on consumer.close(), or when its process dies.
    acks.once("end", () => {
      const pending = this.#acked.waiting;
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
    const acked = this.#acked.next().then(() => {});
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
    // One turn later: a NAK that came with the reader's leaving says why, and wins over EPIPE.
    if (error) setImmediate(() => this.#fail(fifoWriteError(this.#address.data, error)));
  };

  readonly #drained = () => {
    this.#draining = false;
    while (!this.#draining && !this.#failure && this.#queue.length > 0) this.#write(this.#queue.shift()!);
  };

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#acked.fail(error);
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
  const data = openFifoReader(address.data);
  try {
    // The ack FIFO's write end is held from the start, not opened at the first ack: a consumer
    // that dies before taking anything must still close it, or its producer's send would wait
    // for ever for an ack, or an end-of-file, that never comes.
    return new NamedPipeConsumer(address, data, holdFifoWriter(address.acks));
  } catch (error) {
    data.destroy();
    throw error;
  }
}

/** Decoded messages the consumer holds before it stops reading the FIFO (kernel backpressure). */
const CONSUMER_BUFFER_BYTES = 64 * 1024;

class NamedPipeConsumer implements Consumer {
  readonly #data: Socket;
  readonly #decoder: FrameDecoder;
  /** Decoded messages, handed to the iteration in order; then the end or the failure. */
  readonly #messages = new AsyncQueue<Buffer>();
  /** Bytes of decoded messages not yet taken. */
  #bufferedBytes = 0;
  #paused = false;
  #ended = false;
  /** Set when a frame was corrupt: the producer is told with a NAK when the acks are released. */
  #corrupt = false;
  #closed = false;
  /** The ack FIFO's write end; null once released. */
  #acks: Socket | null;
  #unacked = 0;

  constructor(address: NamedPipeAddress, data: Socket, acks: Socket) {
    this.#data = data;
    this.#acks = acks;
    this.#decoder = new FrameDecoder(address.maxMessageSize);
    data.on("data", (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = this.#decoder.push(chunk);
      } catch (error) {
        // Stop reading but keep the FIFO open until the NAK is out: a producer that writes in
        // the meantime waits in the pipe buffer and then learns why, instead of getting EPIPE.
        this.#corrupt = true;
        data.pause();
        this.#finish(error as Error, false);
        return;
      }
      for (const message of messages) {
        this.#bufferedBytes += message.byteLength;
        // A parked next() takes the message right here: ack it now, before its code runs.
        const taken = this.#messages.waiting > 0;
        this.#messages.push(message);
        if (taken) this.#took(message);
      }
      // Stop reading while the application lags: the FIFO fills and the producer waits.
      if (this.#bufferedBytes >= CONSUMER_BUFFER_BYTES && !this.#paused) {
        this.#paused = true;
        data.pause();
      }
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

  #finish(error?: Error, release = true): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error && !this.#closed) this.#messages.fail(error);
    else this.#messages.end();
    if (release) this.#data.destroy();
  }

  /** The iteration took `message`: this is when the consumer has it, so ack it now. */
  #took(message: Buffer): void {
    this.#bufferedBytes -= message.byteLength;
    if (this.#paused && this.#bufferedBytes < CONSUMER_BUFFER_BYTES && !this.#ended) {
      this.#paused = false;
      this.#data.resume();
    }
    this.#ack();
  }

  async #next(): Promise<IteratorResult<Uint8Array>> {
    const ready = this.#messages.shift();
    if (ready !== undefined) {
      this.#took(ready);
      return { done: false, value: ready };
    }
    let result: IteratorResult<Buffer, undefined>;
    try {
      result = await this.#messages.next();
    } catch (error) {
      // Said once; the iteration is over after it.
      this.#messages.close();
      this.#releaseAcks();
      throw error;
    }
    if (result.done) {
      this.#releaseAcks();
      return { done: true, value: undefined };
    }
    return result; // taken (and acked) when it arrived
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
    if (count > 0) this.#acks?.write(count === 1 ? ACK_BYTE : Buffer.alloc(count, ACK));
  };

  // Closing the ack FIFO tells the producer this consumer is done: its reader gets end-of-file.
  #releaseAcks(): void {
    this.#flushAcks();
    const acks = this.#acks;
    // After the acks of every message taken: the producer fails only the sends not taken.
    if (this.#corrupt) acks?.write(NAK_BYTE);
    acks?.end();
    this.#acks = null;
    this.#data.destroy();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.#next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#messages.close();
    this.#finish();
    this.#releaseAcks();
  }
}

export const pipesNamed = defineVariant<Variant<NamedPipeAddress>>({
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
});
