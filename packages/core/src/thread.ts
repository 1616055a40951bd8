/**
 * Starting TypeScript programs on worker threads of this process, the in-process counterpart
 * of spawnScript (process.ts). Variants whose two sides share memory between threads
 * (`placement: "threads"`) are shown, tested and measured with producer and consumer each on a
 * thread of its own; this module starts those threads, forwards their narration, and ends
 * them when asked.
 */

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { NarrationLine, Narrator } from "./narrator.ts";

const require = createRequire(import.meta.url);
/**
 * A worker does not inherit tsx's loader hooks on Node 20, so one that runs a TypeScript
 * module registers them first. Resolved only then: tsx is an optional peer, and built
 * JavaScript runs without it. tsx's ESM entry is the "import" condition of "tsx/esm/api",
 * beside the CommonJS one require finds.
 */
function tsxApi(): string {
  return pathToFileURL(require.resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
}

export interface ThreadOptions {
  /** Given to the thread as `workerData`; may hold SharedArrayBuffers, which are shared, not copied. */
  data?: unknown;
  /** Ports and buffers to move to the thread with `data` (see Worker's transferList). */
  transferList?: readonly import("node:worker_threads").TransferListItem[];
  /** Narration from the thread (childNarrator posts it to the parent port) is forwarded here. */
  narrator?: Narrator;
}

export interface ThreadHandle {
  readonly worker: Worker;
  readonly threadId: number;
  /** Resolves with the exit code when the thread ends (1 when it threw). */
  readonly exited: Promise<number>;
  /** The error the thread died of, if any. */
  error(): Error | undefined;
  terminate(): Promise<void>;
}

/** Runs a TypeScript (or JavaScript) module on a new worker thread of this process. */
export function spawnThread(script: string | URL, options: ThreadOptions = {}): ThreadHandle {
  const href =
    typeof script === "string" && !script.startsWith("file:") ? pathToFileURL(script).href : String(script);
  const bootstrap = /\.[cm]?ts$/.test(new URL(href).pathname)
    ? `import(${JSON.stringify(tsxApi())}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(href)}))`
    : `import(${JSON.stringify(href)})`;
  const worker = new Worker(bootstrap, {
    eval: true,
    workerData: options.data,
    ...(options.transferList ? { transferList: [...options.transferList] } : {}),
  });
  let failure: Error | undefined;
  worker.on("error", (error) => {
    failure = error;
  });
  const narrator = options.narrator;
  if (narrator) {
    worker.on("message", (m: { narrate?: NarrationLine; narrateNote?: string }) => {
      if (m?.narrate) narrator.say(m.narrate.actor, m.narrate.event, m.narrate.detail);
      else if (typeof m?.narrateNote === "string") narrator.note(m.narrateNote);
    });
  }
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  return {
    worker,
    threadId: worker.threadId,
    exited,
    error: () => failure,
    terminate: async () => {
      await worker.terminate();
    },
  };
}
