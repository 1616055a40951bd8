/**
 * The producer end of the tcp variants: one TCP connection (TLS when the address has
 * certificates) to the consumer, opened by handshake.ts's `dial`, which also presents the
 * endpoint's token. Messages go out as frames (wire.ts), batched into few writes; sends wait
 * while the socket's buffers are full, and the END frame on close() tells the consumer this
 * producer finished rather than died.
 */

import type { Socket } from "node:net";
import {
  ClosedError,
  connectError,
  MessageTooLargeError,
  PeerGoneError,
  type Producer,
} from "@ipc-atlas/core";
import { connectHost, type TcpAddress, where } from "./address.ts";
import { dial } from "./handshake.ts";
import { END_FRAME, encodeMessage, frameSize, putMessage } from "./wire.ts";

const RESOLVED = Promise.resolve();
/** The producer's batch buffer, and how much of it is written at once (see TcpProducer). */
const BATCH_BYTES = 64 * 1024;
const FLUSH_BYTES = 8 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The producer end: one TCP connection to the consumer. `send` resolves once the frame is in
 * the socket (the medium accepted it); when the socket's buffer is full (`write()` returned
 * false) sends wait for 'drain'. Small frames are encoded straight into a batch buffer that is
 * written once per 8 KiB or at the end of the event-loop turn: one write() and no allocation
 * per message, instead of one each (bench/adapter-cost.ts compares the strategies).
 */
export class TcpProducer implements Producer {
  readonly address: TcpAddress;
  readonly #socket: Socket;
  readonly #limit: number;
  readonly #medium: string;
  #closed = false;
  #failure: Error | undefined;
  #batch = Buffer.allocUnsafe(BATCH_BYTES);
  /** Bytes of #batch encoded but not yet written: [#batchStart, #batchEnd). */
  #batchStart = 0;
  #batchEnd = 0;
  #flushScheduled = false;
  readonly #flushTick = () => {
    this.#flushScheduled = false;
    this.#flush();
  };
  /** The last write() returned false: the socket's buffer is full until 'drain'. Kept here
   *  rather than read from `writableNeedDrain` (a getter chain) on every send. */
  #full = false;
  /** Sends waiting for 'drain' (and any sent after them, to keep call order). */
  #waiting = 0;
  #tail: Promise<void> = RESOLVED;
  #drain: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  private constructor(socket: Socket, address: TcpAddress) {
    this.#socket = socket;
    this.address = address;
    this.#limit = address.maxMessageSize;
    this.#medium = `the tcp connection to ${where(connectHost(address.host), address.port)}`;
    const at = where(connectHost(address.host), address.port);
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.#failure ??= new PeerGoneError(
        `the connection to the consumer at ${at} broke (${error.code ?? error.message})`,
        "the consumer closed the connection or exited; start it again and reconnect",
      );
    });
    socket.on("close", () => {
      if (!this.#closed) this.#failure ??= new PeerGoneError(`the consumer at ${at} closed the connection`);
      this.#wakeWriters();
    });
    socket.on("drain", () => {
      this.#full = false;
      this.#wakeWriters();
    });
    // The consumer never writes; reading lets its FIN (or a reset) be noticed at once.
    socket.resume();
  }

  /** Connects to the consumer listening at `address`; ECONNREFUSED etc. say where it tried. */
  static async connect(address: TcpAddress): Promise<TcpProducer> {
    const host = connectHost(address.host);
    const socket = await dial({
      host,
      port: address.port,
      token: address.token,
      tls: address.tls,
      timeoutMs: CONNECT_TIMEOUT_MS,
      connectError: (error) => connectError(error, host, address.port),
    });
    return new TcpProducer(socket, address);
  }

  /** True while sends wait for the socket to drain (the kernel's buffers are full). */
  get waitingForDrain(): boolean {
    return this.#waiting > 0 || this.#full;
  }

  /** Bytes accepted by send() but still in Node's buffer, not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.#socket.writableLength + this.#batchEnd - this.#batchStart;
  }

  /** This side's port (for narration). */
  get localPort(): number | undefined {
    return this.#socket.localPort;
  }

  /**
   * Not async on purpose: while the socket has room this encodes the message and returns one
   * shared, already-resolved promise (no allocation per message); only a send that has to
   * wait for 'drain' gets a promise of its own.
   */
  send(message: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError("the tcp producer"));
    if (message.byteLength > this.#limit) {
      return Promise.reject(new MessageTooLargeError(message.byteLength, this.#limit, this.#medium));
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#waiting === 0 && !this.#full) {
      this.#append(message);
      return RESOLVED;
    }
    // The socket is full: wait behind earlier waiting sends, so frames keep call order. The
    // frame is encoded now, so the caller's buffer is not read after this call.
    const frame = encodeMessage(message);
    this.#waiting++;
    const sending = this.#tail.then(async () => {
      try {
        await this.#writable();
        this.#flush();
        this.#write(frame);
      } finally {
        this.#waiting--;
      }
    });
    this.#tail = sending.catch(() => {});
    return sending;
  }

  /** Sends the END frame after every send in flight, then half-closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#writable();
    const gone = () => this.#failure ?? new PeerGoneError(`${this.#medium} closed before the end was sent`);
    if (this.#socket.destroyed) throw gone();
    this.#flush();
    this.#write(END_FRAME);
    // end() calls back once everything, END included, is handed to the kernel (or with an error).
    await new Promise<void>((resolve, reject) => {
      this.#socket.end((error?: Error | null) => (error ? reject(gone()) : resolve()));
    });
  }

  /** Drops the connection at once, without the END frame (what a crash looks like). */
  destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  /** Encodes a message into the batch; large ones go out on their own. */
  #append(message: Uint8Array): void {
    const size = frameSize(message.byteLength);
    if (size > FLUSH_BYTES) {
      this.#flush();
      this.#write(encodeMessage(message));
      return;
    }
    if (this.#batchEnd + size > this.#batch.byteLength) {
      this.#flush();
      // The written part stays referenced by the socket until the kernel has it: never reuse it.
      this.#batch = Buffer.allocUnsafe(BATCH_BYTES);
      this.#batchStart = this.#batchEnd = 0;
    }
    putMessage(this.#batch, this.#batchEnd, message);
    this.#batchEnd += size;
    if (this.#batchEnd - this.#batchStart >= FLUSH_BYTES) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flushTick);
    }
  }

  /** Hands the batch to the socket. Below the socket's 16 KiB high-water mark, so 'drain' is
   *  only awaited when the kernel really is full. */
  #flush(): void {
    if (this.#batchEnd === this.#batchStart) return;
    this.#write(this.#batch.subarray(this.#batchStart, this.#batchEnd));
    this.#batchStart = this.#batchEnd;
  }

  #write(bytes: Uint8Array): void {
    if (!this.#socket.write(bytes)) this.#full = true;
  }

  #wakeWriters(): void {
    const drained = this.#drained;
    this.#drain = this.#drained = undefined;
    drained?.();
  }

  /** Resolves once the socket takes more data; rejects if the connection is gone. */
  async #writable(): Promise<void> {
    while (this.#full && !this.#socket.destroyed) {
      if (this.#failure) throw this.#failure;
      this.#drain ??= new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
      await this.#drain;
    }
    if (this.#failure) throw this.#failure;
  }
}
