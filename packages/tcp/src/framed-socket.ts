/**
 * Framed messages over a TCP connection, shared by the `tcp` and `tcp-ip` variants.
 *
 * TCP carries a byte stream, not messages, so every message travels as one core frame (a
 * 4-byte big-endian length, then the body) whose body is a core envelope: one tag byte (DATA
 * or END) before the application's bytes. The END frame is what `Producer.close()` sends: it
 * lets the consumer tell a producer that finished from one that died, because a killed
 * process's kernel closes its socket with the same FIN as a clean `end()`.
 *
 * Roles: the consumer listens, producers connect. The consumer merges every connection into
 * one iteration, reads only while its queue has room (so a slow consumer pauses the sockets,
 * the kernel buffers fill and the producers' sends wait), and drops a connection that sends a
 * corrupt frame with a FrameError reported as a "peer-error" event while it keeps serving the
 * others.
 */

import { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import { createServer as createTlsServer } from "node:tls";
import {
  AddressError,
  ClosedError,
  type Consumer,
  checkLimit,
  END_MARKER,
  ENVELOPE_BYTES,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameError,
  type IpcError,
  MessageTooLargeError,
  PeerGoneError,
  type Producer,
  type TlsMaterial,
  unwrap,
} from "@ipc-atlas/core";
import { ACK_BYTE, AUTH_TIMEOUT_MS, AuthGate, dial } from "./handshake.ts";
import { Inbox } from "./inbox.ts";

/** Where a TCP medium is: the consumer listens on host:port, producers connect there. JSON. */
export interface TcpAddress {
  /** The interface the consumer listens on; producers connect to it (a wildcard means this host). */
  host: string;
  port: number;
  /** Largest message body; the consumer drops a connection that announces more. */
  maxMessageSize: number;
  /** The secret a producer presents in its first frame. Absent: anyone who connects may send (insecure). */
  token?: string;
  /** TLS: producers verify the consumer with `ca`; the consumer serves `cert` and `key`. */
  tls?: TlsMaterial;
  /** Connections the consumer accepts at once. Default 128. */
  maxConnections?: number;
  /** A connection that sends nothing for this long is dropped. Default 10 min. */
  idleTimeoutMs?: number;
}

/** Defaults for the consumer's connection limits. */
export const DEFAULT_MAX_CONNECTIONS = 128;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;

/** Default largest message: 1 MiB. A connection can make the consumer buffer at most this much. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
/** The largest limit a frame's 32-bit length can express, less the envelope's tag byte. */
export const MAX_MESSAGE_BYTES_LIMIT = 0xffff_ffff - ENVELOPE_BYTES;

const DATA_TAG = 0;
/** The frame that ends a producer's stream: core framing around core's END envelope. */
export const END_FRAME: Buffer = encodeFrame(END_MARKER);

/**
 * One message as it goes on the wire: `encodeFrame(wrapData(message))`, built with a single
 * allocation and copy (a test checks that the bytes are the same).
 */
export function encodeMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + ENVELOPE_BYTES + message.byteLength);
  frame.writeUInt32BE(ENVELOPE_BYTES + message.byteLength, 0);
  frame[FRAME_HEADER_BYTES] = DATA_TAG;
  frame.set(message, FRAME_HEADER_BYTES + ENVELOPE_BYTES);
  return frame;
}

export function checkMaxMessageSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_MESSAGE_BYTES_LIMIT) {
    throw new RangeError(
      `maxMessageSize must be a whole number from 0 to ${MAX_MESSAGE_BYTES_LIMIT}, got ${size}`,
    );
  }
  return size;
}

/** Where a producer connects for a listening host: a wildcard listener is reached through loopback. */
export function connectHost(host: string): string {
  if (host === "" || host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "::1";
  return host;
}

function where(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => i.address);
}

/** Turns an error from listen() into a typed error that says which address and what to do. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): IpcError {
  const at = port === 0 ? host : where(host, port);
  switch (error.code) {
    case "EADDRINUSE":
      return new AddressError(
        "EADDRINUSE",
        `port ${port} on ${host} is already in use, so the consumer cannot listen at ${at}`,
        `another program (or another consumer) listens there — see it with: ss -ltnp 'sport = :${port}'; stop it, choose another port, or open the endpoint again to get a free one`,
        { host, port },
      );
    case "EACCES":
      return new AddressError(
        "EACCES",
        `permission denied to listen at ${at}`,
        "ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port from 1024 up, or 0 for a free one",
        { host, port },
      );
    case "EADDRNOTAVAIL":
      return new AddressError(
        "EADDRNOTAVAIL",
        `${host} is not an address of this machine, so nothing can listen at ${at}`,
        `listen on 127.0.0.1 (this host only), 0.0.0.0 (every interface) or one of: ${localAddresses().join(", ")}`,
        { host, port },
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new AddressError(
        "ENOTFOUND",
        `cannot resolve host "${host}"`,
        "check the spelling, or give an IP address",
        {
          host,
        },
      );
    default:
      return new AddressError(
        error.code ?? "EUNKNOWN",
        `cannot listen at ${at}: ${error.message}`,
        "check host and port",
        {
          host,
          port,
        },
      );
  }
}

/** Turns an error from connect() into a typed error that says where it tried to connect. */
export function connectError(error: NodeJS.ErrnoException, host: string, port: number): IpcError {
  const at = where(host, port);
  switch (error.code) {
    case "ECONNREFUSED":
      return new AddressError(
        "ECONNREFUSED",
        `connection refused at ${at}: nothing is listening there`,
        "start the consumer first (it listens; producers connect), and check the host and port",
        { host, port },
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new AddressError(
        "ENOTFOUND",
        `cannot resolve host "${host}" to connect to ${at}`,
        "check the host name",
        {
          host,
          port,
        },
      );
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new AddressError(
        error.code,
        `cannot reach ${at} (${error.code})`,
        "check the address, that the consumer's host is up, and any firewall between the hosts",
        { host, port },
      );
    default:
      return new AddressError(
        error.code ?? "EUNKNOWN",
        `cannot connect to ${at}: ${error.message}`,
        "check host and port",
        {
          host,
          port,
        },
      );
  }
}

/**
 * Asks the kernel for a free port on `host` (listen on port 0, read the port, release it), so an
 * address is known before either peer starts. If another program takes the port before the
 * consumer listens, the consumer fails with EADDRINUSE and the endpoint can be opened again.
 * With `port` given, checks that it is free now and returns it.
 */
export async function reservePort(host: string, port = 0): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen({ host, port, exclusive: true }, resolve);
  });
  const bound = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

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
    const size = FRAME_HEADER_BYTES + ENVELOPE_BYTES + message.byteLength;
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
    const batch = this.#batch;
    const at = this.#batchEnd;
    const length = ENVELOPE_BYTES + message.byteLength;
    // The header byte by byte: writeUInt32BE's argument checks cost more than the stores.
    batch[at] = length >>> 24;
    batch[at + 1] = length >>> 16;
    batch[at + 2] = length >>> 8;
    batch[at + 3] = length;
    batch[at + FRAME_HEADER_BYTES] = DATA_TAG;
    batch.set(message, at + FRAME_HEADER_BYTES + ENVELOPE_BYTES);
    this.#batchEnd = at + size;
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

/** A connection the consumer dropped or that went away without close(), and why. */
export interface PeerErrorEvent {
  /** The producer's address as the consumer saw it, "host:port". */
  peer: string;
  error: IpcError;
}

interface Connection {
  readonly socket: Socket;
  readonly peer: string;
  readonly decoder: FrameDecoder;
  /** Set while the connection has not yet presented the token; nothing it sends is buffered. */
  gate: AuthGate | undefined;
  /** The producer sent END (closed cleanly), or the connection failed: it no longer counts. */
  finished: boolean;
}

/** Pause reading from every connection once this much waits in the consumer's queue... */
const QUEUE_HIGH_BYTES = 1024 * 1024;
const QUEUE_HIGH_COUNT = 16 * 1024;

/**
 * The consumer end: listens on the address and merges the messages of every producer that
 * connects into one iteration, in arrival order (each producer's own order is kept). The
 * iteration ends once at least one producer has closed cleanly and no producer is still
 * connected. Bad peers are dropped and reported through "peer-error" events (and the
 * `peerErrors` list); they never end the iteration or stop the server.
 */
export class TcpConsumer extends EventEmitter<{ "peer-error": [PeerErrorEvent] }> implements Consumer {
  readonly address: TcpAddress;
  /** The most recent peer errors (up to 100), for diagnostics. */
  readonly peerErrors: PeerErrorEvent[] = [];
  /** Connections dropped so far: wrong or missing token, bad frames, failed TLS, gone without close(). */
  dropped = 0;
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  readonly #inbox = new Inbox(QUEUE_HIGH_BYTES, QUEUE_HIGH_COUNT, () => this.#resumeReading());
  #paused = false;
  #cleanEnds = 0;
  #ending = false;
  #closed = false;

  private constructor(server: Server, address: TcpAddress) {
    super();
    this.#server = server;
    this.address = address;
    if (address.tls) {
      server.on("secureConnection", (socket: Socket) => this.#accept(socket));
      server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: Socket) => {
        const peer = where(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
        this.#reportPeer(
          peer,
          new PeerGoneError(`producer ${peer} failed the TLS handshake (${error.code ?? error.message})`),
        );
      });
    } else server.on("connection", (socket) => this.#accept(socket));
  }

  /** Listens on `address`; resolves once connections are accepted. EADDRINUSE etc. are typed. */
  static async listen(address: TcpAddress): Promise<TcpConsumer> {
    checkMaxMessageSize(address.maxMessageSize);
    checkLimit("maxConnections", address.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 1, 65_536);
    checkLimit("idleTimeoutMs", address.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 1, 2 ** 31 - 1);
    const server: Server = address.tls
      ? createTlsServer({ cert: address.tls.cert, key: address.tls.key, handshakeTimeout: AUTH_TIMEOUT_MS })
      : createServer();
    server.maxConnections = address.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) => reject(listenError(error, address.host, address.port));
      server.once("error", fail);
      server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
        server.off("error", fail);
        resolve();
      });
    });
    const bound = (server.address() as { port: number }).port;
    return new TcpConsumer(server, { ...address, port: bound });
  }

  /** Producers connected now. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Messages received and not yet taken by the iteration. */
  get queued(): number {
    return this.#inbox.count;
  }

  /** Every iteration takes from the same queue (see src/inbox.ts). */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#inbox;
  }

  /** Stops listening and drops every connection; a pending iteration ends. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const connection of this.#connections) connection.socket.destroy();
    this.#inbox.end();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #resumeReading(): void {
    this.#paused = false;
    for (const connection of this.#connections) connection.socket.resume();
  }

  #accept(socket: Socket): void {
    const peer = where(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
    if (this.#ending || this.#closed) {
      // The stream already ended: a producer arriving now would send into nothing.
      this.#reportPeer(
        peer,
        new PeerGoneError(`producer ${peer} connected after the consumer's stream had ended`),
      );
      socket.destroy();
      return;
    }
    // +1: the frame body carries the envelope's tag byte before the message.
    const token = this.address.token;
    const connection: Connection = {
      socket,
      peer,
      decoder: new FrameDecoder(this.address.maxMessageSize + ENVELOPE_BYTES),
      gate: token === undefined ? undefined : new AuthGate(token),
      finished: false,
    };
    this.#connections.add(connection);
    const idle = this.address.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    socket.setTimeout(connection.gate ? Math.min(AUTH_TIMEOUT_MS, idle) : idle, () => {
      this.#fail(
        connection,
        new PeerGoneError(
          connection.gate
            ? `producer ${peer} did not present a token within ${AUTH_TIMEOUT_MS} ms`
            : `producer ${peer} sent nothing for ${idle} ms`,
        ),
      );
    });
    socket.on("data", (chunk: Buffer) =>
      connection.gate ? this.#authenticate(connection, chunk) : this.#receive(connection, chunk),
    );
    socket.on("end", () => {
      if (connection.finished) return;
      // FIN without END: the producer exited or crashed without close().
      try {
        connection.decoder.end();
        this.#fail(
          connection,
          new PeerGoneError(`producer ${peer} disconnected without close(); its stream is incomplete`),
        );
      } catch (error) {
        this.#fail(connection, error as FrameError);
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (!connection.finished) {
        this.#fail(
          connection,
          new PeerGoneError(`the connection from producer ${peer} broke (${error.code ?? error.message})`),
        );
      }
    });
    socket.on("close", () => {
      this.#connections.delete(connection);
      if (!connection.finished)
        this.#fail(connection, new PeerGoneError(`producer ${peer} went away without close()`));
    });
    // Paused reading only holds producers back; a connection still authenticating keeps reading
    // its few handshake bytes (the gate bounds them).
    if (this.#paused && !connection.gate) socket.pause();
  }

  /** Feeds the handshake; once the token matched, what follows is read as frames. */
  #authenticate(connection: Connection, chunk: Buffer): void {
    const result = connection.gate!.push(chunk);
    if (result.state === "more") return;
    if (result.state === "refused") {
      this.#fail(connection, result.error as IpcError);
      return;
    }
    connection.gate = undefined;
    connection.socket.setTimeout(this.address.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    connection.socket.write(ACK_BYTE);
    if (this.#paused) connection.socket.pause();
    if (result.rest.byteLength > 0) this.#receive(connection, result.rest);
  }

  #receive(connection: Connection, chunk: Buffer): void {
    if (connection.finished) {
      if (!connection.socket.destroyed && chunk.byteLength > 0) {
        this.#fail(
          connection,
          new FrameError(`producer ${connection.peer} sent data after its END frame`),
          true,
        );
      }
      return;
    }
    let frames: Buffer[];
    try {
      frames = connection.decoder.push(chunk);
    } catch (error) {
      this.#fail(connection, error as FrameError);
      return;
    }
    // The hot path: check that every frame is a DATA envelope (what core's unwrap() accepts as
    // data) and queue the decoder's array as it is; the inbox cuts the messages out later.
    let bytes = 0;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame.byteLength >= ENVELOPE_BYTES && frame[0] === DATA_TAG) bytes += frame.byteLength;
      else {
        // END, or not an envelope: queue the data before it, then deal with this frame.
        const rest = frames.splice(i);
        this.#inbox.pushFrames(frames, bytes);
        this.#receiveOther(connection, rest);
        return;
      }
    }
    const inbox = this.#inbox;
    inbox.pushFrames(frames, bytes);
    if (!this.#paused && inbox.full) {
      // Stop reading: the kernel's buffers fill, TCP's window closes and the producers wait.
      this.#paused = true;
      inbox.wantResume();
      for (const c of this.#connections) if (!c.gate) c.socket.pause();
    }
  }

  /** A frame that is not DATA (`rest[0]`) and what followed it in the same chunk. */
  #receiveOther(connection: Connection, rest: Buffer[]): void {
    let envelope: ReturnType<typeof unwrap>;
    try {
      envelope = unwrap(rest[0]!);
    } catch (error) {
      this.#fail(connection, error as FrameError);
      return;
    }
    if (envelope.kind === "end") {
      connection.finished = true;
      this.#cleanEnds++;
      if (rest.length > 1 || connection.decoder.bufferedBytes > 0) {
        this.#fail(
          connection,
          new FrameError(`producer ${connection.peer} sent data after its END frame`),
          true,
        );
      }
      this.#checkEnd();
    }
  }

  /** Drops a connection with a typed error and keeps serving the others. */
  #fail(connection: Connection, error: IpcError, afterEnd = false): void {
    if (connection.finished && !afterEnd) return;
    connection.finished = true;
    this.#reportPeer(connection.peer, error);
    connection.socket.destroy();
    this.#checkEnd();
  }

  #reportPeer(peer: string, error: IpcError): void {
    this.dropped++;
    const event = { peer, error };
    this.peerErrors.push(event);
    if (this.peerErrors.length > 100) this.peerErrors.shift();
    this.emit("peer-error", event);
  }

  #checkEnd(): void {
    if (this.#ending || this.#cleanEnds === 0) return;
    // A connection still authenticating is nobody's producer yet: it cannot hold the end back.
    for (const connection of this.#connections) if (!connection.finished && !connection.gate) return;
    this.#ending = true;
    this.#server.close();
    this.#inbox.end();
  }
}
