/**
 * How a tcp producer proves it holds the endpoint's token before the consumer buffers anything
 * from it, and how both sides open the connection (plain TCP, or TLS when the address has
 * certificates).
 *
 * The first frame of a connection is an AUTH frame: core framing around a tag byte (2, beside
 * the envelope's DATA 0 and END 1) and the token's UTF-8 bytes. The consumer reads at most
 * MAX_AUTH_FRAME bytes of it, compares the token in constant time, and answers one ACK byte;
 * anything else — a wrong token, a DATA or END frame first, a frame too large, silence past
 * AUTH_TIMEOUT_MS — drops the connection before a single message is queued. The producer waits
 * for the ACK, so a refused token fails `producer()` with an AuthError instead of a later send.
 */

import { isIP, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import {
  AuthError,
  FRAME_HEADER_BYTES,
  FrameError,
  type TlsMaterial,
  TlsVerifyError,
  tokenMatches,
} from "@ipc-atlas/core";

const AUTH_TAG = 2;
const ACK = 0x06;
/** Largest AUTH frame body read from a peer not yet authenticated. */
export const MAX_AUTH_FRAME = 1024;
/** A connection must authenticate (TLS handshake included) within this time, or is dropped. */
export const AUTH_TIMEOUT_MS = 5_000;

export function encodeAuth(token: string): Buffer {
  const body = Buffer.from(token, "utf8");
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + body.byteLength);
  frame.writeUInt32BE(1 + body.byteLength, 0);
  frame[FRAME_HEADER_BYTES] = AUTH_TAG;
  body.copy(frame, FRAME_HEADER_BYTES + 1);
  return frame;
}

export const ACK_BYTE: Buffer = Buffer.of(ACK);

export type GateResult =
  | { state: "more" }
  | { state: "ok"; rest: Buffer }
  | { state: "refused"; error: Error };

/** The consumer's side of the handshake for one connection: feed it chunks until it decides. */
export class AuthGate {
  readonly #token: string;
  #buffer = Buffer.alloc(0);

  constructor(token: string) {
    this.#token = token;
  }

  push(chunk: Buffer): GateResult {
    // Bounded: at most the header and MAX_AUTH_FRAME bytes are ever kept.
    this.#buffer = Buffer.concat([this.#buffer, chunk.subarray(0, FRAME_HEADER_BYTES + MAX_AUTH_FRAME)]);
    if (this.#buffer.byteLength < FRAME_HEADER_BYTES) return { state: "more" };
    const length = this.#buffer.readUInt32BE(0);
    if (length < 1 || length > MAX_AUTH_FRAME) {
      return { state: "refused", error: new FrameError(`the first frame (${length} bytes) is not a token`) };
    }
    const end = FRAME_HEADER_BYTES + length;
    if (this.#buffer.byteLength < end) return { state: "more" };
    const body = this.#buffer.subarray(FRAME_HEADER_BYTES, end);
    if (body[0] !== AUTH_TAG) {
      return {
        state: "refused",
        error: new FrameError("the first frame is not a token: the peer did not authenticate"),
      };
    }
    if (!tokenMatches(this.#token, body.subarray(1).toString("utf8"))) {
      return { state: "refused", error: new FrameError("the peer presented a wrong token") };
    }
    // What came after the AUTH frame in the same read (a producer waits for the ACK, so normally nothing).
    const already = this.#buffer.byteLength - end;
    const rest = chunk.subarray(chunk.byteLength - already);
    this.#buffer = Buffer.alloc(0);
    return { state: "ok", rest };
  }
}

export interface DialOptions {
  host: string;
  port: number;
  token?: string | undefined;
  tls?: TlsMaterial | undefined;
  timeoutMs: number;
  /** Typed error for a failed connect (ECONNREFUSED and the like). */
  connectError(error: NodeJS.ErrnoException): Error;
}

/** Connects (TLS when the address has certificates), presents the token and waits for the ACK. */
export function dial(options: DialOptions): Promise<Socket> {
  const { host, port, token, tls } = options;
  const where = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket: Socket = tls
      ? tlsConnect({
          host,
          port,
          ca: tls.ca,
          ...(isIP(host) ? {} : { servername: host }),
          timeout: options.timeoutMs,
        })
      : netConnect({ host, port, noDelay: true, timeout: options.timeoutMs });
    if (tls) socket.setNoDelay(true);
    let authenticating = false;
    const done = (error?: Error) => {
      socket.removeAllListeners("timeout");
      socket.removeListener("error", onError);
      socket.removeListener("close", onClose);
      socket.removeListener("data", onData);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        socket.setTimeout(0);
        resolve(socket);
      }
    };
    const onError = (error: NodeJS.ErrnoException) => {
      const code = error.code ?? "";
      if (
        tls &&
        (/CERT|SIGNATURE|SELF_SIGNED|ISSUER|ALTNAME/.test(code) || /certificate/i.test(error.message))
      ) {
        done(new TlsVerifyError(where, code || error.message));
      } else if (authenticating) done(new AuthError(`the tcp consumer at ${where}`));
      else done(options.connectError(error));
    };
    const onClose = () => done(new AuthError(`the tcp consumer at ${where}`));
    const onData = (chunk: Buffer) => {
      if (chunk[0] === ACK) done();
      else done(new AuthError(`the tcp consumer at ${where}`));
    };
    socket.on("error", onError);
    socket.once("timeout", () =>
      done(options.connectError(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" }))),
    );
    socket.once(tls ? "secureConnect" : "connect", () => {
      if (!token) return done();
      authenticating = true;
      socket.once("close", onClose);
      socket.on("data", onData);
      socket.write(encodeAuth(token));
    });
  });
}
