/**
 * Round trips (`--round-trip`): the pinging side sends on one medium and reads the echoes on a
 * second one; the ponging side sends every message back as it came. The message pool, the
 * checks and the reports are workload.ts's.
 */

import type { Consumer, Producer } from "@ipc-atlas/core";
import {
  Clock,
  type CpuFigures,
  cpuSince,
  lastByte,
  MessagePool,
  type Plan,
  type ReceiverReport,
  readSeq,
  receiveStream,
  type SenderReport,
  SequenceChecker,
  sendStream,
} from "./workload.ts";

/**
 * Round trips, the pinging side. Throughput pass: one message in flight, sent, then its echo
 * awaited on the other medium; the rate is round trips per second. Latency pass: the open
 * loop sends on schedule while the echoes are read beside it, each charged from its
 * scheduled time (latency.ts).
 */
export async function ping(
  producer: Producer,
  consumer: Consumer,
  plan: Plan,
): Promise<{ sender: SenderReport; receiver: ReceiverReport }> {
  if (plan.pass === "latency") {
    // The echoes are read on this thread: it must not block between slots.
    const [sender, receiver] = await Promise.all([
      sendStream(producer, plan, true),
      receiveStream(consumer, plan),
    ]);
    await consumer.close();
    return { sender, receiver: { ...receiver, lost: Math.max(0, sender.sent - receiver.distinct) } };
  }
  const clock = new Clock(plan.epochNs);
  const pool = new MessagePool(plan.size, 1);
  const echoes = consumer[Symbol.asyncIterator]();
  const checker = new SequenceChecker();
  const last = lastByte(plan.size);
  let received = 0;
  let measuredReceived = 0;
  let corrupt = 0;
  /** One ping and its echo; false when the echoes ended early. */
  const exchange = async (seq: number): Promise<boolean> => {
    await producer.send(pool.take(seq));
    const echo = await echoes.next();
    if (echo.done) return false;
    received++;
    const message = echo.value;
    if (message.byteLength !== plan.size || message[plan.size - 1] !== last) {
      corrupt++;
      return true;
    }
    const echoed = readSeq(message);
    if (checker.record(echoed) && echoed >= plan.warmup) measuredReceived++;
    return true;
  };
  const warmupEnd = clock.now() + plan.warmupSeconds * 1e9;
  let warmupSent = 0;
  let open = true;
  while (open && warmupSent < plan.warmup) {
    open = await exchange(warmupSent++);
    if ((warmupSent & 15) === 0 && clock.now() > warmupEnd) break;
  }
  const cpuStart = process.cpuUsage();
  const startNs = clock.now();
  const deadline = startNs + plan.maxSeconds * 1e9;
  let measuredSent = 0;
  while (open && measuredSent < plan.messages) {
    open = await exchange(plan.warmup + measuredSent++);
    if ((measuredSent & 15) === 0 && clock.now() > deadline) break;
  }
  const timedNs = clock.now();
  const sent = warmupSent + measuredSent;
  await producer.close();
  const endNs = clock.now();
  const cpu = cpuSince(cpuStart);
  // The ponger ends its own stream in turn; read up to that end so its close is taken (a
  // synchronous variant's close waits for this side), then release the consumer.
  if (open) while (!(await echoes.next()).done) {}
  await consumer.close();
  return {
    sender: { sent, measuredSent, startNs, endNs, cpu },
    receiver: {
      received,
      distinct: checker.distinct,
      measuredReceived,
      lost: checker.lost(sent),
      duplicated: checker.duplicated,
      reordered: checker.reordered,
      corrupt,
      firstNs: startNs,
      timedNs,
      timedCount: measuredReceived,
      lastNs: endNs,
      latencyUs: null,
      cpu,
    },
  };
}

/** Round trips, the echoing side: sends every message back as it came, closes when the pinger does. */
export async function pong(
  consumer: Consumer,
  producer: Producer,
): Promise<{ echoed: number; cpu: CpuFigures }> {
  const cpuStart = process.cpuUsage();
  let echoed = 0;
  for await (const message of consumer) {
    await producer.send(message);
    echoed++;
  }
  await producer.close();
  return { echoed, cpu: cpuSince(cpuStart) };
}
