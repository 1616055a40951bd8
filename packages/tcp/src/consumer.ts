/**
 * The consumer end of the tcp variants: listens, and merges every producer that connects into
 * one iteration. It reads only while its queue has room (so a slow consumer pauses the sockets,
 * the kernel buffers fill and the producers' sends wait), authenticates each connection before
 * buffering anything from it (handshake.ts), and drops a bad peer — a wrong token, a corrupt
 * frame, silence — with a typed error reported as a "peer-error" event while it keeps serving
 * the others.
 */

import { EventEmitter } from "node:events";
import type { Server, Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import {
  type Consumer,
  checkLimit,
  ENVELOPE_BYTES,
  FrameDecoder,
  FrameError,
  type IpcError,
  PeerGoneError,
  unwrap,
} from "@ipc-atlas/core";
import {
  checkMaxMessageSize,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  type TcpAddress,
  where,
} from "./address.ts";
import { listenerFor } from "./endpoint.ts";
import { ACK_BYTE, AUTH_TIMEOUT_MS, AuthGate } from "./handshake.ts";
import { Inbox } from "./inbox.ts";
import { DATA_TAG } from "./wire.ts";

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
  /** Takes a connection from the listening socket (through the TLS handshake, with TLS). */
  readonly #take: (socket: Socket) => void;
  readonly #connections = new Set<Connection>();
  readonly #inbox = new Inbox(QUEUE_HIGH_BYTES, QUEUE_HIGH_COUNT, () => this.#resumeReading());
  readonly #iterator: AsyncIterator<Uint8Array> = {
    next: () => this.#inbox.next(),
    return: async () => {
      await this.close();
      return { done: true, value: undefined };
    },
  };
  #paused = false;
  #cleanEnds = 0;
  #ending = false;
  #closed = false;

  private constructor(server: Server, address: TcpAddress) {
    super();
    this.#server = server;
    this.address = address;
    server.maxConnections = address.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (address.tls) {
      // The listening socket is a plain one (it may come from the endpoint, or from another
      // process); a TLS server that does not listen itself runs the handshake on each connection.
      const tls = createTlsServer({
        cert: address.tls.cert,
        key: address.tls.key,
        handshakeTimeout: AUTH_TIMEOUT_MS,
      });
      tls.on("secureConnection", (socket: Socket) => this.#accept(socket));
      tls.on("tlsClientError", (error: NodeJS.ErrnoException, socket: Socket) => {
        const peer = where(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
        this.#reportPeer(
          peer,
          new PeerGoneError(`producer ${peer} failed the TLS handshake (${error.code ?? error.message})`),
        );
      });
      this.#take = (socket) => tls.emit("connection", socket);
    } else this.#take = (socket) => this.#accept(socket);
    server.on("connection", this.#take);
  }

  /**
   * Starts serving `address`: takes the listening socket the endpoint holds for it (see
   * endpoint.ts), or listens on the address's port. Resolves once connections are accepted;
   * EADDRINUSE and the like are typed.
   */
  static async listen(address: TcpAddress): Promise<TcpConsumer> {
    checkMaxMessageSize(address.maxMessageSize);
    checkLimit("maxConnections", address.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 1, 65_536);
    checkLimit("idleTimeoutMs", address.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 1, 2 ** 31 - 1);
    const { server, early } = await listenerFor(address);
    const bound = (server.address() as { port: number }).port;
    const consumer = new TcpConsumer(server, { ...address, port: bound });
    // Producers that connected before this consumer existed waited, paused, in the endpoint.
    for (const socket of early) consumer.#take(socket);
    return consumer;
  }

  /** Producers connected now. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Messages received and not yet taken by the iteration. */
  get queued(): number {
    return this.#inbox.count;
  }

  /**
   * Every iteration takes from the same queue (see src/inbox.ts), and `break` out of one is
   * `close()`, as core's Consumer contract says.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#iterator;
  }

  /** Stops listening and drops every connection and what waits unread; a pending iteration ends. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const connection of this.#connections) connection.socket.destroy();
    this.#inbox.close();
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
    // its few handshake bytes (the gate bounds them). The endpoint's listener accepts sockets
    // paused, so every other connection is resumed here.
    if (this.#paused && !connection.gate) socket.pause();
    else socket.resume();
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
    // data) and queue it; the inbox queues the message as a view of its frame.
    const inbox = this.#inbox;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame.byteLength < ENVELOPE_BYTES || frame[0] !== DATA_TAG) {
        // END, or not an envelope: queue the data before it, then deal with this frame.
        const rest = frames.splice(i);
        inbox.pushFrames(frames);
        this.#receiveOther(connection, rest);
        return;
      }
    }
    inbox.pushFrames(frames);
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
