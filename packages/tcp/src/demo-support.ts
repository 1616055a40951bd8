/**
 * The plumbing of the tcp / tcp-ip demo's two programs (examples/01-consumer.ts and
 * examples/02-producer.ts), kept here so that the programs show the mechanism: where the address
 * comes from, how a process started by the demo gets its listening socket or its word to start,
 * how a frame looks in hex, and the bookkeeping that narrates a burst in a few lines, not 256.
 */

import { addressFromEnv, preview, receiveListener, waitForGo } from "@ipc-atlas/core";
import type { TcpAddress } from "./address.ts";
import type { TcpConsumer } from "./consumer.ts";
import type { TcpProducer } from "./producer.ts";
import { encodeMessage } from "./wire.ts";

type Say = (event: string, detail?: string) => void;

/**
 * The consumer's address. The demo opened the endpoint, which listens already: it hands the
 * consumer process the listening socket over the IPC channel, so the port is never released for
 * another program to take. Started by hand (no parent), the consumer listens on the port itself.
 */
export async function adoptListener(): Promise<TcpAddress> {
  const address = addressFromEnv<TcpAddress>();
  if (process.send) await receiveListener(address);
  return address;
}

/** The consumer listens: say so, and tell the demo, which then lets the producer connect. */
export function listening(say: Say, address: TcpAddress): void {
  say("LISTEN", `on ${address.host}:${address.port}${address.tls ? " with TLS" : ""}`);
  process.send?.({ ready: true });
}

/**
 * The producer's address. Started alongside the consumer (to overlap start-up), the producer
 * waits for the demo's word that the consumer listens.
 */
export async function waitForConsumer(): Promise<TcpAddress> {
  const address = addressFromEnv<TcpAddress>();
  if (process.send) await waitForGo();
  return address;
}

/** What the producer's CONNECTED line says: where, from which port, and what was checked. */
export function describeConnection(address: TcpAddress, producer: TcpProducer): string {
  const checked = `${address.tls ? "certificate verified, " : ""}${address.token ? "token accepted" : "no token"}`;
  return `to ${address.host}:${address.port} from port ${producer.localPort}: ${checked}`;
}

/**
 * The SENT line of small message `n`: the frame in hex, split into length, tag and bytes; the
 * first one spells the parts out.
 */
export function describeFrame(n: number, message: Uint8Array): string {
  const hex = encodeMessage(message)
    .toString("hex")
    .replace(/^(.{8})(.{2})/, "$1 $2 ");
  const size = message.byteLength;
  const parts = n === 1 ? ` (length ${size + 1} = tag + ${size} bytes; tag 00 = a message, 01 = END)` : "";
  return `#${n} ${preview(message)} as ${hex}${parts}`;
}

/** The consumer stops reading for `ms`, saying so, and how many messages wait in it afterwards. */
export async function pauseReading(say: Say, consumer: TcpConsumer, ms: number): Promise<void> {
  say("BUSY", `for ${ms} ms: not reading, so the kernel's socket buffers fill up`);
  await new Promise((resolve) => setTimeout(resolve, ms));
  say("READ", `again (${consumer.queued} message(s) already waiting in this process)`);
}

const MiB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** Resolves true if `promise` settles within `ms`, false if it is still pending then. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Watches the producer's burst: narrates the first send still pending after 100 ms (how much
 * went out before it, and what waits in this process for 'drain'), then the end of the burst.
 */
export class BurstWatch {
  #waitedAt: number | undefined;
  readonly #started = Date.now();

  constructor(
    private readonly say: Say,
    private readonly producer: TcpProducer,
    private readonly count: number,
    private readonly size: number,
  ) {
    say("SEND", `a burst of ${count} messages of ${size / 1024} KiB (${mib(count * size)})`);
  }

  /** Awaits the `index`th send of the burst, narrating it if it is the first one that waits. */
  async send(index: number, sending: Promise<void>): Promise<void> {
    if (this.#waitedAt === undefined && !(await settlesWithin(sending, 100))) {
      this.#waitedAt = index;
      this.say(
        "WAIT",
        `send #${index + 1} of the burst is still pending after 100 ms: ${mib(index * this.size)} went out, ` +
          `the kernel's buffers are full (${this.producer.bufferedBytes} bytes wait in this process for 'drain')`,
      );
    }
    await sending;
  }

  done(): void {
    const took = Date.now() - this.#started;
    this.say(
      "SENT",
      (this.#waitedAt === undefined
        ? `all ${this.count} in ${took} ms without waiting`
        : `all ${this.count}; the sends went on once the consumer read again (${took} ms in all)`) +
        "; closing: the END frame, then FIN",
    );
  }
}

/** Narrates the consumer's messages: small ones one by one, a burst as its first message and a total. */
export class ReceiveTally {
  count = 0;
  #burst = 0;
  #burstBytes = 0;
  #inOrder = true;

  constructor(private readonly say: Say) {}

  received(message: Uint8Array): void {
    this.count++;
    if (message.byteLength <= 48) {
      this.say("RECEIVED", `#${this.count} ${preview(message)}`);
      return;
    }
    // The producer fills burst message i with the byte i & 0xff: a check of the order, not a claim.
    if (message[0] !== (this.#burst & 0xff)) this.#inOrder = false;
    this.#burst++;
    this.#burstBytes += message.byteLength;
  }

  done(): void {
    if (this.#burst > 0)
      this.say(
        "RECEIVED",
        `${this.#burst} burst messages, ${mib(this.#burstBytes)}, ${this.#inOrder ? "in order" : "OUT OF ORDER"}`,
      );
    this.say("END", `the producer closed: the iteration ended after ${this.count} messages`);
  }
}
