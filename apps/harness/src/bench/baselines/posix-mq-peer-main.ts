/**
 * The forked peer of the posix-mq baseline: opens the queues its parent made (by name; the
 * names come over the IPC channel) and consumes the stream, or echoes it back on the second
 * queue, then sends its report over the channel.
 */

import type { BenchMode, ChildReport } from "../protocol.ts";
import { type Plan, pong, processFigures, receiveStream } from "../workload.ts";
import { loadPosixMQ, mqConsumer, mqProducer, type PosixMQ } from "./posix-mq.ts";

const queues: PosixMQ[] = [];

async function serve(names: string[], plan: Plan, mode: BenchMode): Promise<ChildReport> {
  const PosixMQ = loadPosixMQ();
  for (const name of names) {
    const mq = new PosixMQ();
    mq.open({ name });
    queues.push(mq);
  }
  process.send!({ ready: true });
  if (mode === "one-way") {
    const receiver = await receiveStream(mqConsumer(queues[0]!), plan);
    return { receiver, processes: [processFigures("consumer", receiver.cpu)] };
  }
  const { cpu } = await pong(mqConsumer(queues[0]!), mqProducer(queues[1]!));
  return { processes: [processFigures("ponger", cpu)] };
}

process.once("message", (m: { names: string[]; plan: Plan; mode: BenchMode }) => {
  serve(m.names, m.plan, m.mode).then(
    (report) => process.send!({ report }),
    (error: unknown) => process.send!({ failed: String((error as Error)?.stack ?? error) }),
  );
});
process.on("disconnect", () => {
  for (const mq of queues) mq.close();
  process.exit(0);
});
