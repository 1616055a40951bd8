/**
 * What both NATS demos share: starting a subscriber process and waiting until it has
 * subscribed, so the transcript never shows a publish racing a subscription; starting a
 * publisher process and waiting for it to finish; and the plumbing of those two programs
 * (examples/01-subscriber.ts, examples/02-publisher.ts), kept here so that they show the mechanism.
 */

import {
  addressEnv,
  addressFromEnv,
  type ChildHandle,
  childReady,
  type Narrator,
  PeerGoneError,
  preview,
  spawnScript,
  waitForGo,
} from "@ipc-atlas/core";
import type { NatsAddress } from "./connection.ts";
import { monitorJson } from "./monitor.ts";

const subscriberScript = new URL("../examples/01-subscriber.ts", import.meta.url);
const publisherScript = new URL("../examples/02-publisher.ts", import.meta.url);

/** A child's address, from the environment its parent gave it (the address may hold a token, so never argv). */
export const natsAddressFromEnv = (): NatsAddress => addressFromEnv<NatsAddress>();

/**
 * What a subscriber narrates of what it received. A queue group member says each message as it
 * comes, so that the transcript shows which member got which; a plain subscriber says once, at
 * END, everything it got.
 */
export class Receipts {
  readonly #texts: string[] = [];

  constructor(
    private readonly say: (event: string, detail?: string) => void,
    private readonly address: NatsAddress,
  ) {}

  add(message: Uint8Array): void {
    if (this.address.queue) this.say("RECEIVED", preview(message));
    else this.#texts.push(preview(message));
  }

  done(): void {
    if (!this.address.queue)
      this.say("RECEIVED", `${this.#texts.length} until END: ${this.#texts.join(", ") || "none"}`);
  }
}

/** A subscriber says where it subscribed and tells the demo, which publishes only after this. */
export function subscribed(
  say: (event: string, detail?: string) => void,
  address: NatsAddress,
  server: string,
) {
  say("SUBSCRIBED", address.queue ? `${server}, queue group "${address.queue}"` : server);
  process.send?.({ ready: true });
}

/**
 * The publisher has connected: it tells the demo, then waits for the word to publish (its
 * start-up overlaps the subscribers', and the demo counts what the servers route after this).
 */
export async function connectedWaitForGo(): Promise<void> {
  process.send?.({ ready: true });
  if (process.send) await waitForGo();
}

/**
 * Starts examples/02-publisher.ts for `texts` at once (its start-up overlaps the subscribers');
 * `connected` resolves once it has connected, `publish()` lets it go and resolves once it has
 * published them and END, and exited.
 */
export function startPublisher(narrator: Narrator, address: NatsAddress, texts: string[]): PublisherProcess {
  const child = spawnScript(publisherScript, {
    narrator,
    args: texts,
    env: addressEnv(address),
    stdio: "pipe",
  });
  const exited = child.exited.then((code) => {
    if (code !== 0)
      throw new PeerGoneError(`the publisher exited with code ${code}: ${child.output().trim()}`);
  });
  exited.catch(() => {});
  const connected = childReady(child, "the publisher");
  return {
    child,
    connected,
    async publish() {
      try {
        await connected;
        child.process.send({ go: true });
        await exited;
      } finally {
        child.kill("SIGKILL");
      }
    },
  };
}

export interface PublisherProcess {
  child: ChildHandle;
  connected: Promise<void>;
  publish(): Promise<void>;
}

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
    args: [actor],
    env: addressEnv(address),
    stdio: "pipe",
  });
  // Ready means subscribed: the subscription exists, so a publish reaches it.
  const subscribed = childReady(child, actor);
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
