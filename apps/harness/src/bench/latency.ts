/**
 * The latency pass's producer: an open loop at a fixed offered rate. Message i is scheduled
 * at start + i / rate before anything is sent, and carries that scheduled time, not the time
 * it actually went: when the variant (or the host) stalls, every message the stall delays is
 * charged with the wait, as wrk2 does (coordinated omission corrected). The consumer loop is
 * the throughput pass's (workload.ts), which records arrival minus scheduled time.
 *
 * Waiting for the next slot: a timer while it is more than 2 ms away, then one turn of the
 * event loop (so the variant's I/O and callbacks run), then a precise sleep of the rest with
 * Atomics.wait (a futex; a timer has only millisecond resolution). When the consumer shares
 * the thread (in-process variants) the rest is turns of the event loop instead.
 * A variant that cannot take messages as fast as they are offered falls behind schedule; the
 * harness then reports the rate it reached as `saturated` instead of a latency. Near its limit
 * a variant may still deliver about the offered rate while the backlog never drains, and every
 * latency then measures the backlog: so the producer also notes how close to schedule it came
 * in the last quarter of the run (tailLagNs), and a rate whose sends never got back within
 * results.ts's lagAllowanceNs of their time is saturated too.
 */

import { setTimeout as sleep, setImmediate as turn } from "node:timers/promises";
import type { Producer } from "@ipc-atlas/core";
import {
  Clock,
  cpuSince,
  MessagePool,
  type Plan,
  type SenderReport,
  windowed,
  writeSentNs,
} from "./workload.ts";

/** Pending sends allowed to an asynchronous variant in the open loop: enough never to hold it back. */
export const OPEN_LOOP_WINDOW = 1024;

/** How far behind schedule the sender may fall before it stops sending: the rate is not held. */
export const GIVE_UP_SECONDS = 1;

const futex = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits for a slot. When the consumer runs on this same thread (an in-process variant), the
 * thread must not block: the last part is then a turn of the event loop at a time instead.
 */
async function waitUntil(clock: Clock, due: number, sameThread: boolean): Promise<void> {
  let left = due - clock.now();
  if (left > 2e6) {
    await sleep(Math.floor((left - 1.5e6) / 1e6));
    left = due - clock.now();
  }
  if (left <= 0) return;
  await turn();
  left = due - clock.now();
  if (sameThread) {
    while (left > 0) {
      await turn();
      left = due - clock.now();
    }
  } else if (left > 0) Atomics.wait(futex, 0, 0, left / 1e6);
}

export async function sendOpenLoop(
  producer: Producer,
  plan: Plan,
  sameThread = false,
): Promise<SenderReport> {
  const rate = plan.ratePerSec!;
  const clock = new Clock(plan.epochNs);
  const window = plan.window > 1 ? OPEN_LOOP_WINDOW : 1;
  const pool = new MessagePool(plan.size, window);
  const sends = windowed(producer, window);
  const total = plan.warmup + plan.messages;
  const interval = 1e9 / rate;
  const start = clock.now() + 1e6;
  const giveUpNs = GIVE_UP_SECONDS * 1e9;
  let cpuStart = process.cpuUsage();
  let sent = 0;
  // From this send on, how late each one goes is watched (the last quarter of the measured ones).
  const tailFrom = plan.warmup + Math.floor(plan.messages * 0.75);
  let tailLagNs = Number.POSITIVE_INFINITY;
  while (sent < total) {
    const due = start + sent * interval;
    await waitUntil(clock, due, sameThread);
    if (sent >= tailFrom) tailLagNs = Math.min(tailLagNs, clock.now() - due);
    if (sent === plan.warmup) cpuStart = process.cpuUsage();
    const message = pool.take(sent);
    writeSentNs(message, due);
    const wait = sends.send(message);
    sent++;
    if (wait) {
      await wait;
      sends.settled(wait);
    }
    if (clock.now() - due > giveUpNs) break;
  }
  await sends.drain();
  await producer.close();
  return {
    sent,
    measuredSent: Math.max(0, sent - plan.warmup),
    startNs: start + plan.warmup * interval,
    endNs: clock.now(),
    cpu: cpuSince(cpuStart),
    tailLagNs,
  };
}
