/**
 * A producer or consumer that lives in another OS process, driven from this one.
 *
 * `spawnPeer(variant, "producer", address)` starts a child process, which loads the variant
 * from its module, attaches a real producer to the address and then obeys commands sent over
 * the IPC channel (send, close, next). The parent holds a RemoteProducer / RemoteConsumer that
 * implements the same interface, so the conformance suite, demos and benchmarks drive a peer
 * in another process exactly like a local one. Errors come back as their own typed classes.
 */

import { fileURLToPath } from "node:url";
import { errorFromJSON, type IpcErrorJSON, PeerGoneError } from "./errors.ts";
import { type ChildHandle, spawnScript } from "./process.ts";
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

class PeerConnection {
  readonly child: ChildHandle;
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #gone: Error | undefined;

  constructor(child: ChildHandle, what: string) {
    this.child = child;
    child.process.on("message", (reply: PeerReply | { ready: true } | { failed: IpcErrorJSON }) => {
      if (!("id" in reply)) return;
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(errorFromJSON(reply.error));
    });
    void child.exited.then((code) => {
      this.#gone = new PeerGoneError(`${what} (pid ${child.pid}) exited with code ${code}`);
      for (const waiter of this.#pending.values()) waiter.reject(this.#gone);
      this.#pending.clear();
    });
  }

  request<T>(command: PeerCommandBody): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.process.send({ ...command, id });
    });
  }

  /** Ends the child: politely through disconnect, then by force if it lingers. */
  async dispose(): Promise<void> {
    if (this.child.process.connected) this.child.process.disconnect();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    await this.child.exited;
    clearTimeout(timer);
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

async function startPeer(variant: AnyVariant, role: PeerRole, address: unknown): Promise<PeerConnection> {
  const child = spawnScript(peerMain, { stdio: "inherit" });
  const connection = new PeerConnection(child, `${variant.id} ${role}`);
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (m: { ready?: true; failed?: IpcErrorJSON }) => {
      if (m?.ready) resolve();
      else if (m?.failed) reject(errorFromJSON(m.failed));
      else return;
      child.process.off("message", onMessage);
    };
    child.process.on("message", onMessage);
    void child.exited.then((code) =>
      reject(new PeerGoneError(`${variant.id} ${role} process exited with code ${code} before it was ready`)),
    );
  });
  const init: PeerInit = { module: variant.module, variantId: variant.id, role, address };
  child.process.send({ init });
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
    pid: connection.child.pid,
    rss: () => connection.request<number>({ op: "rss" }),
    retainedBytes: () => connection.request<number>({ op: "retained" }),
    reportedPid: () => connection.request<number>({ op: "pid" }),
    dispose: () => connection.dispose(),
    kill: (signal = "SIGKILL") => connection.child.kill(signal),
  };
}

/** Starts a producer of `variant` in a new process, attached to `address`. */
export async function spawnProducer(variant: AnyVariant, address: unknown): Promise<RemoteProducer> {
  const connection = await startPeer(variant, "producer", address);
  return {
    ...diagnostics(connection),
    send: (message) => connection.request<void>({ op: "send", data: message }),
    close: () => connection.request<void>({ op: "close" }),
  };
}

/**
 * Starts a consumer of `variant` in a new process. It takes a message from the medium only
 * when this side asks for the next one, so a synchronous variant's contract is observable.
 */
export async function spawnConsumer(variant: AnyVariant, address: unknown): Promise<RemoteConsumer> {
  const connection = await startPeer(variant, "consumer", address);
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
        async return() {
          done = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
}
