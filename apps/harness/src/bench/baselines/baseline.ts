/**
 * A baseline is what a Node user would reach for instead of an ipc-atlas variant: the
 * parent↔child IPC channel of `child_process.fork` (`process.send`) and a worker thread's
 * `postMessage`. Neither fits the Variant interface (the two ends must be parent and child,
 * so there is no address another process could attach to), so each baseline starts its own
 * peer from inside a bench child and runs the same workload loops over a PortLink.
 */

import type { NativeMechanism } from "../ceilings.ts";
import type { BenchMode, ChildReport } from "../protocol.ts";
import { type Plan, ping, processFigures, sendStream } from "../workload.ts";
import type { PortLink } from "./port.ts";

export interface Baseline {
  readonly id: string;
  readonly summary: string;
  /** How producer and consumer are separated, for the table. */
  readonly scope: string;
  /** The native ceiling to compare with, or null. */
  readonly ceiling: NativeMechanism | null;
  /** A variant this baseline is the yardstick of: the report gives that row ÷ this one. */
  readonly yardstickOf?: string;
  /** No open loop: the latency pass skips it. */
  readonly throughputOnly?: boolean;
  /** Starts the peer (a forked process or a worker) and waits until it listens. */
  start(plan: Plan, mode: BenchMode): Promise<BaselineSession>;
}

export interface BaselineSession {
  run(): Promise<ChildReport>;
  close(): Promise<void>;
}

/** What the peer side is told first. */
export interface PeerSetup {
  plan: Plan;
  mode: BenchMode;
  /** Flow-control window (see portLink), or null when the port has backpressure of its own. */
  window: number | null;
  /** Whether the peer is a separate process (reports its own figures) or a thread (does not). */
  ownProcess: boolean;
}

/** The main side of a baseline: the producer (one-way) or the pinger (round-trip). */
export async function runMainSide(
  link: PortLink,
  setup: PeerSetup,
  peerReport: Promise<ChildReport>,
  role: string,
): Promise<ChildReport> {
  if (setup.mode === "one-way") {
    const sender = await sendStream(link.producer, setup.plan);
    const peer = await peerReport;
    return {
      sender,
      receiver: peer.receiver!,
      processes: [processFigures(role, sender.cpu), ...peer.processes],
    };
  }
  const { sender, receiver } = await ping(link.producer, link.consumer, setup.plan);
  const peer = await peerReport;
  return { sender, receiver, processes: [processFigures(role, sender.cpu), ...peer.processes] };
}
