/**
 * Baseline: the message-queue package's own pair (packages/message-queue/bench/mq-peer.ts),
 * run beside the harness's message-queues row in the same bench run, so the report can say
 * what share of a plain pair the harness's row reaches (the issue asks for 0.85× or more).
 * A plain pair: a consumer process iterating `for await (const m of queue)` and a producer
 * process awaiting `queue.send(m)` for each message, one buffer rewritten in place, over a
 * fresh queue of depth 10 — no harness loop, no adapter, no pool. Its consumer checks every
 * sequence number (it exits on the first one out of order) and times from its first measured
 * message to the end; its figure is read the same way as the rows' (measured messages ÷ that
 * time). One-way only; a fixed number of messages (the pair cannot stop on a deadline).
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildHandle, spawnScript } from "@ipc-atlas/core";
import { MessageQueue, uniqueQueueName, variants } from "@ipc-atlas/message-queue";
import { type ChildReport, NotApplicable } from "../protocol.ts";
import type { CpuFigures } from "../workload.ts";
import type { Baseline } from "./baseline.ts";

/** Measured messages and warm-up of one run: about a second at the pair's speed. */
const MESSAGES = 200_000;
const WARMUP = 20_000;

function peerScript(): string {
  // The package's source entry (src/index.ts under the workspace's source condition), then its bench/.
  const entry = fileURLToPath(import.meta.resolve("@ipc-atlas/message-queue"));
  return join(dirname(entry), "..", "bench", "mq-peer.ts");
}

/** The JSON line a peer printed last, once it exited with 0. */
async function result<T>(peer: ChildHandle, role: string): Promise<T> {
  const code = await peer.exited;
  const lines = peer.output().trim().split("\n");
  if (code !== 0)
    throw new Error(`the package's ${role} exited with code ${code}: ${lines.slice(-3).join(" | ")}`);
  return JSON.parse(lines.at(-1)!) as T;
}

async function ready(peer: ChildHandle): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!peer.output().includes("ready")) {
    if (Date.now() > deadline) throw new Error("the package's consumer did not open the queue within 60 s");
    const exited = await Promise.race([peer.exited, new Promise((r) => setTimeout(r, 20, undefined))]);
    if (exited !== undefined)
      throw new Error(`the package's consumer exited with code ${exited}: ${peer.output()}`);
  }
}

const cpu = (ns: number): CpuFigures => ({ userMs: ns / 1e6, systemMs: 0 });

/** The row this pair is the yardstick of: the package's variant whose card makes it the flagship. */
const flagship = variants.find((v) => v.card?.flagship);

export const mqPackagePairBaseline: Baseline = {
  id: "mq-package-pair",
  summary:
    "The message-queue package's own pair (bench/mq-peer.ts): await send / for await over a POSIX queue, no harness loop",
  scope: "inter-process (two processes on one queue)",
  ceiling: "posix-mq",
  ...(flagship ? { yardstickOf: flagship.id } : {}),
  throughputOnly: true,
  async start(plan, mode) {
    if (mode !== "one-way") throw new NotApplicable("the package's own pair is one-way only");
    if (plan.pass === "latency")
      throw new NotApplicable("the package's own pair has no open loop (throughput only)");
    const messages = Math.min(plan.messages, MESSAGES);
    const warmup = Math.min(plan.warmup, WARMUP);
    const name = uniqueQueueName("ipc-atlas-pair");
    let queue: MessageQueue;
    try {
      queue = await MessageQueue.open(name, { exclusive: true, maxMessages: 10, messageSize: plan.size });
    } catch (error) {
      throw new NotApplicable(`no queue of ${plan.size}-byte messages here: ${(error as Error).message}`);
    }
    const script = peerScript();
    const peers: ChildHandle[] = [];
    const consumer = spawnScript(script, {
      args: ["consumer", name, String(messages), String(warmup), "iterate"],
      stdio: "pipe",
    });
    peers.push(consumer);
    await ready(consumer);
    return {
      async run(): Promise<ChildReport> {
        const producer = spawnScript(script, {
          args: ["producer", name, String(messages + warmup), String(plan.size), "await"],
          stdio: "pipe",
        });
        peers.push(producer);
        const [theirs, ours] = await Promise.all([
          result<{ count: number; ns: number; cpuNs: number; maxRssKiB: number }>(consumer, "consumer"),
          result<{ cpuNs: number; maxRssKiB: number }>(producer, "producer"),
        ]);
        const sent = messages + warmup;
        const consumerCpu = cpu(theirs.cpuNs);
        // The producer's CPU is over its whole run: scale it to the measured share.
        const producerCpu = cpu((ours.cpuNs * messages) / sent);
        return {
          sender: { sent, measuredSent: messages, startNs: 0, endNs: theirs.ns, cpu: producerCpu },
          receiver: {
            received: sent,
            distinct: sent, // the pair's consumer exits on the first number out of order
            measuredReceived: theirs.count,
            lost: 0,
            duplicated: 0,
            reordered: 0,
            corrupt: 0,
            firstNs: 0,
            timedNs: theirs.ns,
            timedCount: theirs.count,
            lastNs: theirs.ns,
            latencyUs: null,
            cpu: consumerCpu,
          },
          processes: [
            {
              role: "producer",
              pid: producer.pid,
              cpu: producerCpu,
              maxRssKiB: ours.maxRssKiB,
              cpusAllowed: null,
            },
            {
              role: "consumer",
              pid: consumer.pid,
              cpu: consumerCpu,
              maxRssKiB: theirs.maxRssKiB,
              cpusAllowed: null,
            },
          ],
        };
      },
      async close() {
        // Still running only when the run failed: end them.
        for (const peer of peers) peer.kill("SIGKILL");
        await Promise.all(peers.map((p) => p.exited));
        queue.close();
        await MessageQueue.unlink(name).catch(() => {});
      },
    };
  },
};
