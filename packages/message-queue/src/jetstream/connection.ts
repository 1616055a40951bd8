/**
 * What the JetStream queue's parts share: the address a queue is reached at, its error type,
 * and the connection every producer, consumer and administrator opens to the servers.
 */

import { randomBytes } from "node:crypto";
import {
  addressEnv as coreAddressEnv,
  addressFromEnv as coreAddressFromEnv,
  IpcError,
  redactUrl,
  registerErrorClass,
} from "@ipc-atlas/core";
import { natsConnectOptions } from "@ipc-atlas/nats";
import { JetStreamApiError } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** Where producers and consumers attach: plain JSON, so it crosses processes and hosts. */
export interface JetStreamAddress {
  /** NATS server URLs (any node of a cluster will do). */
  servers: string[];
  /** The work-queue stream that holds the messages. */
  stream: string;
  /** The subject producers publish to; the stream captures it. */
  subject: string;
  /** The durable pull consumer every consumer process shares. */
  consumer: string;
  /** Largest application message a send accepts. */
  maxMessageSize: number;
  /**
   * The token the servers want, when the queue started them (a secret: whoever holds the
   * address may send and read). Absent when the servers were given (NATS_URL or `servers`):
   * their credentials, if any, travel in the URLs.
   */
  token?: string;
}

/** The environment a child process needs to reach `address` (core's: it holds the token, so never argv). */
export const addressEnv = (address: JetStreamAddress): NodeJS.ProcessEnv => coreAddressEnv(address);

/** In a child process: the queue's address its parent handed over through `addressEnv`. */
export const addressFromEnv = (): JetStreamAddress => coreAddressFromEnv<JetStreamAddress>();

/** A JetStream queue failure that is not one of core's errors: no JetStream, the stream gone, ... */
export class JetStreamQueueError extends IpcError {
  constructor(
    code: string,
    message: string,
    hint: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { hint, ...options });
  }
}
registerErrorClass(JetStreamQueueError);

/** Room kept in each NATS message for the envelope byte and the Nats-Msg-Id header. */
export const HEADER_ROOM = 1024;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function randomId(): string {
  return randomBytes(6).toString("hex");
}

export async function connectTo(servers: string[], role: string, token?: string): Promise<NatsConnection> {
  try {
    return await connect({
      // Credentials in the URLs (NATS_URL's user:pass@ or token@) go to nats.js as options.
      ...natsConnectOptions(servers, token ? { token } : {}),
      name: `ipc-atlas jetstream ${role} (pid ${process.pid})`,
      // Keep reconnecting through a server restart; the queue's durability is the point.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // No stack trace captured per request: a queue publishes many.
      noAsyncTraces: true,
    });
  } catch (error) {
    throw new JetStreamQueueError(
      "ECONNREFUSED",
      `could not connect to NATS at ${servers.map(redactUrl).join(", ")}: ${(error as Error).message}`,
      "start nats-server with JetStream (nats-server -js), or unset NATS_URL to let ipc-atlas start one",
      { cause: error },
    );
  }
}

export function isMissing(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError && (error.code === 10014 || error.code === 10059) // consumer not found, stream not found
  );
}

export function queueGone(address: JetStreamAddress, cause?: unknown): JetStreamQueueError {
  return new JetStreamQueueError(
    "ENOQUEUE",
    `the JetStream queue ${address.stream} (consumer ${address.consumer}) does not exist`,
    "open the queue first (JetStreamQueue.open); it is deleted when its endpoint is closed",
    { cause },
  );
}
