/**
 * The narrated demo shared by `tcp` and `tcp-ip`: a consumer process listens, a producer
 * process connects and sends, each in its own OS process (examples/01-consumer.ts and
 * examples/02-producer.ts), narrating through this one. It shows the frames on the wire, a
 * burst that fills the kernel's socket buffers while the consumer is busy (the producer's
 * sends wait for 'drain'), and close() ending the consumer's iteration. The programs' own
 * plumbing (address, burst bookkeeping) is in demo-support.ts.
 */

import {
  addressEnv,
  type ChildHandle,
  childReady,
  type Narrator,
  sendListener,
  spawnScript,
} from "@ipc-atlas/core";
import type { TcpAddress } from "./address.ts";

const consumerScript = new URL("../examples/01-consumer.ts", import.meta.url);
const producerScript = new URL("../examples/02-producer.ts", import.meta.url);

/**
 * Starts the consumer process, hands it the listening socket the endpoint holds for `address`
 * (so the port is never released for another program to take), and resolves once it listens.
 */
export async function startDemoConsumer(address: TcpAddress, narrator: Narrator): Promise<ChildHandle> {
  const child = spawnScript(consumerScript, { narrator, env: addressEnv(address) });
  const ready = childReady(child, "the consumer process");
  sendListener(child.process, address);
  await ready;
  return child;
}

/** Starts the producer process; it connects once `start()` is called (start-up overlaps the consumer's). */
export function startDemoProducer(address: TcpAddress, narrator: Narrator): ChildHandle & { start(): void } {
  const child = spawnScript(producerScript, { narrator, env: addressEnv(address) });
  return { ...child, start: () => child.process.connected && child.process.send({ go: true }) };
}

async function expectExit(child: ChildHandle, role: string): Promise<void> {
  const code = await child.exited;
  if (code !== 0) throw new Error(`the ${role} process exited with code ${code}`);
}

/** Both peers on this host, in two processes, talking through `address`. */
export async function runLocalDemo(address: TcpAddress, narrator: Narrator): Promise<void> {
  const producer = startDemoProducer(address, narrator);
  try {
    const consumer = await startDemoConsumer(address, narrator);
    try {
      producer.start();
      await Promise.all([expectExit(producer, "producer"), expectExit(consumer, "consumer")]);
    } finally {
      consumer.kill("SIGKILL");
    }
  } finally {
    producer.kill("SIGKILL");
  }
}

export { expectExit };
