/**
 * What both NATS demos share: starting a subscriber process and waiting until it has
 * subscribed, so the transcript never shows a publish racing a subscription.
 */

import { type ChildHandle, type Narrator, PeerGoneError, spawnScript } from "@ipc-atlas/core";
import type { NatsAddress } from "./connection.ts";
import { monitorJson } from "./monitor.ts";

const subscriberScript = new URL("../examples/01-subscriber.ts", import.meta.url);

export interface SubscriberProcess {
  child: ChildHandle;
  /** Resolves with the child's exit code; rejects if it failed. */
  done: Promise<void>;
}

/** Starts examples/01-subscriber.ts as `actor` and resolves once it is ready (subscribed). */
export async function startSubscriber(
  narrator: Narrator,
  address: NatsAddress,
  actor: string,
): Promise<SubscriberProcess> {
  const child = spawnScript(subscriberScript, {
    narrator,
    // The address may hold a token: it goes through the environment, never argv.
    args: [actor],
    env: { ...process.env, IPC_ATLAS_ADDRESS: JSON.stringify(address) },
    stdio: "pipe",
  });
  const subscribed = new Promise<void>((resolve, reject) => {
    // The ready message core's peers send: the subscription exists, a publish reaches it.
    child.process.on("message", (m: { ready?: boolean }) => {
      if (m?.ready) resolve();
    });
    void child.exited.then((code) =>
      reject(
        new PeerGoneError(`${actor} exited (code ${code}) before subscribing: ${child.output().trim()}`),
      ),
    );
  });
  const done = child.exited.then((code) => {
    if (code !== 0) throw new PeerGoneError(`${actor} exited with code ${code}: ${child.output().trim()}`);
  });
  done.catch(() => {});
  await subscribed;
  return { child, done };
}

/** A server's /varz message counters (servers this package started have a monitor port). */
export async function messageCounters(monitorUrl: string): Promise<{ in: number; out: number }> {
  const varz = (await monitorJson(`${monitorUrl}/varz`)) as
    | { in_msgs?: number; out_msgs?: number }
    | undefined;
  return { in: varz?.in_msgs ?? 0, out: varz?.out_msgs ?? 0 };
}
