/**
 * A producer or consumer that lives in another OS process, driven from this one.
 *
 * `spawnPeer(variant, "producer", address)` starts a child process, which loads the variant
 * from its module, attaches a real producer to the address and then obeys commands sent over
 * the IPC channel (send, close, next). The parent holds a RemoteProducer / RemoteConsumer that
 * implements the same interface, so the conformance suite, demos and benchmarks drive a peer
 * in another process exactly like a local one. Errors come back as their own typed classes.
 *
 * With `{ in: "thread" }` the peer runs the same program on a worker thread of this process
 * instead, for in-process variants whose sides share memory between threads.
 */

import type { Server } from "node:net";
import { fileURLToPath } from "node:url";
import { errorFromJSON, type IpcErrorJSON, PeerGoneError } from "./errors.ts";
import { takeListener } from "./ports.ts";
import { spawnScript } from "./process.ts";
import { spawnThread } from "./thread.ts";
import type { AnyVariant, Consumer, Producer } from "./variant.ts";

export type PeerRole = "producer" | "consumer";

/** First message to a peer: which variant, which role, which address. */
export interface PeerInit {
  module: string;
  variantId: string;
  role: PeerRole;
  address: unknown;
}

export type PeerCommandBody =
  | { op: "send"; data: Uint8Array }
  | { op: "close" }
  | { op: "next" }
  | { op: "rss" }
  | { op: "retained" }
  | { op: "pid" };
export type PeerCommand = PeerCommandBody & { id: number };

export type PeerReply =
  | { id: number; ok: true; value?: Uint8Array | number | null }
  | { id: number; ok: false; error: IpcErrorJSON };

// peer-main.ts from source, peer-main.js where core is installed built (spawnScript picks).
const peerMain = fileURLToPath(new URL("./peer-main.ts", import.meta.url));

/** Where a peer runs: its own OS process (the default) or a worker thread of this one. */
export interface PeerPlacement {
  in?: "process" | "thread";
}

// biome-ignore lint/suspicious/noExplicitAny: peer messages are checked by shape where they are handled.
type PeerListener = (message: any) => void;

/** The channel to a peer, whichever kind it is. */
interface PeerLink {
  /** The OS process the peer runs in. */
  readonly pid: number;
  readonly exited: Promise<number>;
  /** `handle`: a listening server passed along (a process peer only). */
  post(message: unknown, handle?: Server): void;
  on(listener: PeerListener): void;
  off(listener: PeerListener): void;
  /** Ends the peer: politely, then by force. */
  dispose(): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

function processLink(): PeerLink {
  const child = spawnScript(peerMain, { stdio: "inherit" });
  return {
    pid: child.pid,
    exited: child.exited,
    // The listener lives on in the child: this process's copy is closed once it is sent.
    post: (message, handle) => child.process.send(message as object, handle, () => handle?.close()),
    on: (listener) => child.process.on("message", listener),
    off: (listener) => child.process.off("message", listener),
    async dispose() {
      if (child.process.connected) child.process.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await child.exited;
      clearTimeout(timer);
    },
    kill: (signal) => child.kill(signal),
  };
}

function threadLink(): PeerLink {
  const thread = spawnThread(peerMain);
  return {
    pid: process.pid,
    exited: thread.exited,
    post: (message) => thread.worker.postMessage(message),
    on: (listener) => thread.worker.on("message", listener),
    off: (listener) => thread.worker.off("message", listener),
    dispose: () => thread.terminate(),
    // A thread cannot be killed by a signal; terminating it is the abrupt end.
    kill: () => void thread.terminate(),
  };
}

class PeerConnection {
  readonly link: PeerLink;
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #gone: Error | undefined;

  constructor(link: PeerLink, what: string) {
    this.link = link;
    link.on((reply: PeerReply | { ready: true } | { failed: IpcErrorJSON }) => {
      if (!("id" in reply)) return;
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(errorFromJSON(reply.error));
    });
    void link.exited.then((code) => {
      this.#gone = new PeerGoneError(`${what} (pid ${link.pid}) exited with code ${code}`);
      for (const waiter of this.#pending.values()) waiter.reject(this.#gone);
      this.#pending.clear();
    });
  }

  request<T>(command: PeerCommandBody): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.link.post({ ...command, id });
    });
  }

  dispose(): Promise<void> {
    return this.link.dispose();
  }
}

/** What a driving process can ask of, or do to, a peer process. */
export interface PeerDiagnostics {
  readonly pid: number;
  /** Resident set size of the peer process, in bytes. */
  rss(): Promise<number>;
  /** Bytes the peer process keeps reachable after a full garbage collection (see memory.ts). */
  retainedBytes(): Promise<number>;
  /** The process id the peer reports from inside itself (`process.pid` there). */
  reportedPid(): Promise<number>;
  /** Ends the peer process. */
  dispose(): Promise<void>;
  /** Kills the peer process abruptly (a crash), with SIGKILL by default. */
  kill(signal?: NodeJS.Signals): void;
}

export type RemoteProducer = Producer & PeerDiagnostics;
export type RemoteConsumer = Consumer & PeerDiagnostics;

async function startPeer(
  variant: AnyVariant,
  role: PeerRole,
  address: unknown,
  placement: PeerPlacement,
): Promise<PeerConnection> {
  const link = placement.in === "thread" ? threadLink() : processLink();
  const where = placement.in === "thread" ? "thread" : "process";
  const connection = new PeerConnection(link, `${variant.id} ${role}`);
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (m: { ready?: true; failed?: IpcErrorJSON }) => {
      if (m?.ready) resolve();
      else if (m?.failed) reject(errorFromJSON(m.failed));
      else return;
      link.off(onMessage);
    };
    link.on(onMessage);
    void link.exited.then((code) =>
      reject(
        new PeerGoneError(`${variant.id} ${role} ${where} exited with code ${code} before it was ready`),
      ),
    );
  });
  const init: PeerInit = { module: variant.module, variantId: variant.id, role, address };
  // A network endpoint may hold its listening socket for its consumer (see ports.ts): it goes along.
  const listener =
    role === "consumer" && placement.in !== "thread" && typeof address === "object" && address !== null
      ? takeListener(address)
      : undefined;
  link.post({ init }, listener);
  try {
    await ready;
  } catch (error) {
    await connection.dispose();
    throw error;
  }
  return connection;
}

function diagnostics(connection: PeerConnection): PeerDiagnostics {
  return {
    pid: connection.link.pid,
    rss: () => connection.request<number>({ op: "rss" }),
    retainedBytes: () => connection.request<number>({ op: "retained" }),
    reportedPid: () => connection.request<number>({ op: "pid" }),
    dispose: () => connection.dispose(),
    kill: (signal = "SIGKILL") => connection.link.kill(signal),
  };
}

/** Starts a producer of `variant` in a new process (or thread), attached to `address`. */
export async function spawnProducer(
  variant: AnyVariant,
  address: unknown,
  placement: PeerPlacement = {},
): Promise<RemoteProducer> {
  const connection = await startPeer(variant, "producer", address, placement);
  return {
    ...diagnostics(connection),
    send: (message) => connection.request<void>({ op: "send", data: message }),
    close: () => connection.request<void>({ op: "close" }),
  };
}

/**
 * Starts a consumer of `variant` in a new process (or thread). It takes a message from the
 * medium only when this side asks for the next one, so a synchronous variant's contract is
 * observable.
 */
export async function spawnConsumer(
  variant: AnyVariant,
  address: unknown,
  placement: PeerPlacement = {},
): Promise<RemoteConsumer> {
  const connection = await startPeer(variant, "consumer", address, placement);
  let done = false;
  return {
    ...diagnostics(connection),
    close: async () => {
      done = true;
      await connection.request<void>({ op: "close" });
    },
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      return {
        async next() {
          if (done) return { done: true, value: undefined };
          const value = await connection.request<Uint8Array | null>({ op: "next" });
          if (value === null) {
            done = true;
            return { done: true, value: undefined };
          }
          return { done: false, value };
        },
        // The contract: break (return()) is close(), here too.
        async return() {
          if (!done) {
            done = true;
            await connection.request<void>({ op: "close" }).catch(() => {});
          }
          return { done: true, value: undefined };
        },
      };
    },
  };
}
