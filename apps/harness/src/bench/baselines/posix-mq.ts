/**
 * Baseline: the `posix-mq` package from npm (1.1.3, a nan addon over mq_open / mq_send /
 * mq_receive that watches the queue's descriptor with libuv, like ipc-atlas's own queue), so
 * the message-queues row can be compared with what another Node library reaches over the same
 * kernel queue, measured the same way. The bench child makes the queue (0600, O_EXCL, 10
 * messages of the run's size), forks a peer that opens it, and each side runs the workload's
 * loop through a small adapter written as a user of the library would: `push` until it says
 * full, `shift` into one buffer until it says empty (handing out a copy of each message), and
 * in between, one turn of the event loop and try again. An empty message ends the stream (the
 * workload never sends one).
 *
 * Why not its `messages` and `drain` events: they lose wake-ups. Its poll callback stops
 * watching a direction once it has reported it, and watches it again only after a callback
 * without it; a callback that reports both "readable" and "writable" leaves it watching
 * nothing, and no event fires again. Between two processes a consumer waiting for `messages`
 * stalled here within 5,000 messages with 10 waiting in the queue. Retrying on every turn is
 * the way around it a user has (it never sleeps: the C ceiling's "spin" design).
 *
 * posix-mq pins nan 2.14.0, which does not compile against Node 20's V8; the workspace
 * overrides it with a current nan (package.json, pnpm.overrides), and posix-mq's own code then
 * builds unchanged. It is an optional dependency: where it is not installed the row says so.
 */

import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { setImmediate as turn } from "node:timers/promises";
import type { Consumer, Producer } from "@ipc-atlas/core";
import { atExit, ClosedError, spawnScript } from "@ipc-atlas/core";
import { type ChildReport, NotApplicable } from "../protocol.ts";
import { ping, processFigures, sendStream } from "../workload.ts";
import type { Baseline } from "./baseline.ts";

/** The part of posix-mq's PosixMQ (an EventEmitter) that the adapters use. */
export interface PosixMQ {
  open(config: {
    name: string;
    create?: boolean;
    exclusive?: boolean;
    mode?: string | number;
    maxmsgs?: number;
    msgsize?: number;
  }): void;
  push(data: Uint8Array, priority?: number): boolean;
  shift(buffer: Uint8Array): number | false;
  unlink(): void;
  close(): void;
  readonly msgsize: number;
}

/** Loads posix-mq, or says precisely why it cannot run here. */
export function loadPosixMQ(): new () => PosixMQ {
  try {
    return createRequire(import.meta.url)("posix-mq") as new () => PosixMQ;
  } catch (error) {
    throw new NotApplicable(
      `the posix-mq package (npm, optional dependency of the harness) did not load: ${(error as Error).message.split("\n")[0]}; ` +
        "it needs a native build at install (node-gyp and a C++ compiler; nan is overridden to ^2.22 because posix-mq's own nan 2.14 does not compile on Node 20)",
    );
  }
}

const RESOLVED = Promise.resolve();
const END = new Uint8Array(0);

/** Sends with `push`; when the queue is full, tries again on the next turn of the event loop, in call order. */
export function mqProducer(mq: PosixMQ): Producer {
  let closed = false;
  let blocked: Promise<void> | undefined;
  const push = async (message: Uint8Array): Promise<void> => {
    while (!mq.push(message)) await turn();
  };
  const send = (message: Uint8Array): Promise<void> => {
    if (blocked) {
      // Behind a send that waits for room: keep the order.
      const after = blocked.then(() => push(message));
      blocked = after.finally(() => {
        if (blocked === after) blocked = undefined;
      });
      return after;
    }
    if (mq.push(message)) return RESOLVED;
    const waiting = push(message);
    blocked = waiting;
    return waiting;
  };
  return {
    send(message) {
      if (closed) return Promise.reject(new ClosedError("posix-mq producer"));
      return send(message);
    },
    async close() {
      if (closed) return;
      closed = true;
      await send(END);
    },
  };
}

/** Receives with `shift`; when the queue is empty, tries again on the next turn of the event loop. Each message is a copy. */
export function mqConsumer(mq: PosixMQ): Consumer {
  const buffer = Buffer.alloc(mq.msgsize);
  let ended = false;
  return {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<Uint8Array>> {
        while (!ended) {
          const n = mq.shift(buffer);
          if (n === 0) ended = true;
          else if (n !== false) return { done: false, value: new Uint8Array(buffer.subarray(0, n)) };
          else await turn();
        }
        return { done: true, value: undefined };
      },
    }),
    async close() {
      ended = true;
    },
  };
}

export const posixMqBaseline: Baseline = {
  id: "posix-mq-npm",
  summary: "The posix-mq package from npm over a POSIX message queue (push/drain, shift/messages)",
  scope: "inter-process (parent and forked child)",
  ceiling: "posix-mq",
  async start(plan, mode) {
    const PosixMQ = loadPosixMQ();
    const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
    // The measured stream, and for round trips the echoes.
    const names =
      mode === "one-way" ? [`/ipc-atlas-npm-${tag}`] : [`/ipc-atlas-npm-${tag}`, `/ipc-atlas-npm-${tag}-b`];
    const queues: PosixMQ[] = [];
    const unlinkAll = () => {
      for (const mq of queues.splice(0)) {
        try {
          mq.unlink();
          mq.close();
        } catch {}
      }
    };
    // Kernel queues outlive their processes: unlinked on close, and on this process's exit too.
    atExit(unlinkAll);
    try {
      for (const name of names) {
        const mq = new PosixMQ();
        mq.open({ name, create: true, exclusive: true, mode: 0o600, maxmsgs: 10, msgsize: plan.size });
        queues.push(mq);
      }
    } catch (error) {
      unlinkAll();
      throw new NotApplicable(
        `posix-mq could not create a queue of ${plan.size}-byte messages: ${(error as Error).message} (see msgsize_max in /proc/sys/fs/mqueue)`,
      );
    }
    const peer = spawnScript(new URL("./posix-mq-peer-main.ts", import.meta.url), { stdio: "inherit" });
    const fromPeer = new Promise<ChildReport>((resolve, reject) => {
      peer.process.on("message", (m: { ready?: true; report?: ChildReport; failed?: string }) => {
        if (m.report) resolve(m.report);
        else if (m.failed) reject(new Error(`posix-mq peer failed: ${m.failed}`));
      });
      void peer.exited.then((code) => reject(new Error(`posix-mq peer exited with code ${code}`)));
    });
    fromPeer.catch(() => {});
    const ready = new Promise<void>((resolve, reject) => {
      peer.process.on("message", (m: { ready?: true }) => m.ready && resolve());
      fromPeer.catch(reject);
    });
    peer.process.send({ names, plan, mode });
    await ready;
    return {
      async run(): Promise<ChildReport> {
        if (mode === "one-way") {
          const sender = await sendStream(mqProducer(queues[0]!), plan);
          const theirs = await fromPeer;
          return {
            sender,
            receiver: theirs.receiver!,
            processes: [processFigures("producer", sender.cpu), ...theirs.processes],
          };
        }
        const { sender, receiver } = await ping(mqProducer(queues[0]!), mqConsumer(queues[1]!), plan);
        const theirs = await fromPeer;
        return { sender, receiver, processes: [processFigures("pinger", sender.cpu), ...theirs.processes] };
      },
      async close() {
        unlinkAll();
        if (peer.process.connected) peer.process.disconnect();
        const timer = setTimeout(() => peer.kill("SIGKILL"), 2000);
        await peer.exited;
        clearTimeout(timer);
      },
    };
  },
};
