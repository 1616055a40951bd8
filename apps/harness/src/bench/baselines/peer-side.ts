/**
 * The peer side of a baseline (the forked child, or the worker thread): receives the setup,
 * then consumes (one-way) or echoes (round-trip) and posts its report back on the same port.
 */

import type { ChildReport } from "../protocol.ts";
import { pong, processFigures, receiveStream } from "../workload.ts";
import type { PeerSetup } from "./baseline.ts";
import { portLink } from "./port.ts";

/** Wires a port: `post` sends to the main side; returns the function that takes what arrives. */
export function servePeer(post: (value: unknown) => Promise<void> | void): (message: unknown) => void {
  let link: ReturnType<typeof portLink> | undefined;
  const pending: unknown[] = [];
  const start = async (setup: PeerSetup) => {
    link = portLink(post, setup.window, () => {});
    for (const message of pending.splice(0)) link.deliver(message);
    const running = setup.mode === "one-way" ? consume(setup, link) : echo(setup, link);
    await post({ ready: true });
    await post({ report: await running });
  };
  return (message) => {
    if (typeof message === "object" && message !== null && "setup" in message) {
      void start((message as { setup: PeerSetup }).setup).catch((error: unknown) => {
        void post({ peerFailed: String((error as Error)?.stack ?? error) });
      });
    } else if (link) link.deliver(message);
    else pending.push(message);
  };
}

async function consume(setup: PeerSetup, link: ReturnType<typeof portLink>): Promise<ChildReport> {
  const receiver = await receiveStream(link.consumer, setup.plan);
  return { receiver, processes: setup.ownProcess ? [processFigures("consumer", receiver.cpu)] : [] };
}

async function echo(setup: PeerSetup, link: ReturnType<typeof portLink>): Promise<ChildReport> {
  const { cpu } = await pong(link.consumer, link.producer);
  return { processes: setup.ownProcess ? [processFigures("ponger", cpu)] : [] };
}
