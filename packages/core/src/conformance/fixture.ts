/**
 * The conformance fixture: opens a variant's medium and attaches a producer and a consumer,
 * each in its own OS process for inter-process variants (the address travels as JSON), or in
 * this process for in-process ones (each on a worker thread of its own when the variant asks for
 * `placement: "threads"`, the address then being memory both threads share). Everything it opens is torn down by `dispose`, which the
 * suite calls in `finally`, so a failing case leaves no process, queue or socket behind.
 */

import { retainedBytes } from "../memory.ts";
import { spawnConsumer, spawnProducer } from "../peer.ts";
import { isInterProcess } from "../taxonomy.ts";
import type { AnyVariant, Consumer, Endpoint, OpenOptions, Producer } from "../variant.ts";

export interface Pair {
  endpoint: Endpoint<unknown>;
  producer: Producer;
  consumer: Consumer;
  /** Bytes the producer's process keeps reachable after a full garbage collection. */
  producerRetained(): Promise<number>;
  /**
   * Process ids of producer and consumer as each reports it from inside its own process (equal
   * to this process for in-process variants).
   */
  pids: { producer: number; consumer: number };
  dispose(): Promise<void>;
}

export async function openPair(variant: AnyVariant, options?: OpenOptions): Promise<Pair> {
  const endpoint = await variant.open(options);
  const cleanups: Array<() => Promise<void>> = [() => endpoint.close()];
  const dispose = async () => {
    // Reverse order: peers first, the medium last.
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    if (isInterProcess(variant.taxonomy.scope)) {
      // Consumer first: consumer() resolves once it is ready, so nothing is sent into a void.
      const consumer = await spawnConsumer(variant, endpoint.address);
      cleanups.push(() => consumer.dispose());
      const producer = await spawnProducer(variant, endpoint.address);
      cleanups.push(() => producer.dispose());
      return {
        endpoint,
        producer,
        consumer,
        producerRetained: () => producer.retainedBytes(),
        pids: { producer: await producer.reportedPid(), consumer: await consumer.reportedPid() },
        dispose,
      };
    }
    if (variant.placement === "threads") {
      const consumer = await spawnConsumer(variant, endpoint.address, { in: "thread" });
      cleanups.push(() => consumer.dispose());
      const producer = await spawnProducer(variant, endpoint.address, { in: "thread" });
      cleanups.push(() => producer.dispose());
      return {
        endpoint,
        producer,
        consumer,
        producerRetained: () => producer.retainedBytes(),
        pids: { producer: process.pid, consumer: process.pid },
        dispose,
      };
    }
    const consumer = await variant.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    const producer = await variant.producer(endpoint.address);
    return {
      endpoint,
      producer,
      consumer,
      producerRetained: () => retainedBytes(),
      pids: { producer: process.pid, consumer: process.pid },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
