/**
 * Baseline: a worker thread's `postMessage`. Producer and consumer are two threads of one
 * process; each message is copied by the structured clone algorithm (no transfer list — the
 * producer keeps its bytes, like every other variant here). postMessage never waits, so the
 * producer keeps at most WINDOW messages unacknowledged (the consumer acknowledges every
 * quarter window): without it a fast producer queues without bound.
 */

import { Worker } from "node:worker_threads";
import type { Baseline } from "./baseline.ts";
import { type PeerSetup, runMainSide } from "./baseline.ts";
import { peerChannel } from "./main-side.ts";

const WINDOW = 256;

// A worker does not inherit tsx's loader hooks on Node 20, so it registers them itself
// before importing the TypeScript peer.
const tsxApi = import.meta.resolve("tsx/esm/api");
const peerModule = new URL("./worker-peer-main.ts", import.meta.url).href;
const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(peerModule)}))`;

export const workerThreadsBaseline: Baseline = {
  id: "worker-threads",
  summary: `worker_threads postMessage between two threads of one process (structured clone, window of ${WINDOW})`,
  scope: "in-process (two threads)",
  ceiling: null,
  async start(plan, mode) {
    const worker = new Worker(bootstrap, { eval: true });
    const channel = peerChannel((value) => worker.postMessage(value), WINDOW);
    worker.on("message", (message) => channel.link.deliver(message));
    worker.on("error", (error) => channel.gone(`worker-threads peer failed: ${error.stack ?? error}`));
    worker.on("exit", (code) => channel.gone(`worker-threads peer exited with code ${code}`));
    const setup: PeerSetup = { plan, mode, window: WINDOW, ownProcess: false };
    worker.postMessage({ setup });
    await channel.ready;
    return {
      run: async () => {
        const report = await runMainSide(channel.link, setup, channel.report, "producer");
        // One process, two threads: the main thread's process-wide CPU covers both.
        report.processes = report.processes.map((p) => ({ ...p, role: "producer+consumer (2 threads)" }));
        return report;
      },
      async close() {
        await worker.terminate();
      },
    };
  },
};
