/**
 * Ports for network endpoints: listening with errors that say what to do, and a free port for
 * the one case where another program has to bind it.
 *
 * Why a listener is handed over instead of a port reserved and bound again: between closing a
 * probe socket and binding the real one, any process on the host can take the port. An endpoint
 * that keeps its listening socket (and passes it to the consumer, in this process or over a
 * child's IPC channel) cannot lose it. `freePort` remains for servers this project starts as
 * separate programs (nats-server), which must bind the port themselves.
 */

import type { ChildProcess } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import { AddressError, type IpcError } from "./errors.ts";

/**
 * Listens on `host`:`port` (0: a port the kernel picks) and resolves with the bound port. A
 * failure is a typed error naming the address and what to do (port in use, permission, not an
 * address of this host, unresolvable name).
 */
export function listen(server: Server, host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, host, port));
    server.once("error", onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/**
 * A port that was free on `host` a moment ago: the kernel picks one for a probe socket, which is
 * then closed. Racy by nature (another process can take the port before the program that is
 * meant to bind it does), so use it only for programs that must bind the port themselves, and
 * treat EADDRINUSE from them as "try again".
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, host, 0);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

// Listeners an endpoint opened and keeps for its consumer, by the address object open() returned.
const held = new WeakMap<object, Server>();
const closeEarly = (socket: Socket) => socket.destroy();

/**
 * Keeps `server`, listening, for the consumer of `address` until takeListener(address) hands it
 * over: in this process, or in a consumer process (spawnConsumer and sendListener pass it over the
 * child's IPC channel). A connection that comes before the consumer is closed at once, as if
 * nothing listened, so a producer started first fails fast instead of waiting unserved, unless
 * the server already handles its connections itself (tcp's endpoint keeps early producers paused
 * for a consumer in the same process).
 */
export function holdListener(address: object, server: Server): void {
  if (server.listenerCount("connection") === 0) server.on("connection", closeEarly);
  held.set(address, server);
}

/** The listener held for `address`, which the caller now owns (once: a second call gets undefined). */
export function takeListener(address: object): Server | undefined {
  const server = held.get(address);
  if (!server) return undefined;
  held.delete(address);
  server.off("connection", closeEarly);
  return server;
}

/**
 * Hands the listener held for `address` (if any) to `child`, a process that calls
 * receiveListener(address) before it starts its consumer. This process's copy is closed once
 * sent; the listening socket lives on in the child.
 */
export function sendListener(child: ChildProcess, address: object): void {
  const server = takeListener(address);
  child.send({ listener: server !== undefined }, server, () => server?.close());
}

/**
 * Sends `message` to `child` with the listener held for `address` (if any) as its handle: for a
 * child with its own start protocol (the bench's children). This process's copy is closed once
 * sent.
 */
export function sendWithListener(child: ChildProcess, message: object, address: object): void {
  const server = takeListener(address);
  child.send(message, server, () => server?.close());
}

/** In a child started by a parent that calls sendListener: waits for it, and holds what it sends for `address`. */
export function receiveListener(address: object): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: { listener?: boolean } | null, handle: unknown) => {
      if (typeof message?.listener !== "boolean") return;
      process.off("message", onMessage);
      if (handle) holdListener(address, handle as Server);
      resolve();
    };
    process.on("message", onMessage);
  });
}

function where(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => i.address);
}

/** Turns an error from listen() into a typed error that says which address and what to do. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): IpcError {
  const at = port === 0 ? host : where(host, port);
  switch (error.code) {
    case "EADDRINUSE":
      return new AddressError(
        "EADDRINUSE",
        `port ${port} on ${host} is already in use, so the consumer cannot listen at ${at}`,
        `another program (or another consumer) listens there — see it with: ss -ltnp 'sport = :${port}'; stop it, choose another port, or open the endpoint again to get a free one`,
        { host, port },
      );
    case "EACCES":
      return new AddressError(
        "EACCES",
        `permission denied to listen at ${at}`,
        "ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port from 1024 up, or 0 for a free one",
        { host, port },
      );
    case "EADDRNOTAVAIL":
      return new AddressError(
        "EADDRNOTAVAIL",
        `${host} is not an address of this machine, so nothing can listen at ${at}`,
        `listen on 127.0.0.1 (this host only), 0.0.0.0 (every interface) or one of: ${localAddresses().join(", ")}`,
        { host, port },
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new AddressError(
        "ENOTFOUND",
        `cannot resolve host "${host}"`,
        "check the spelling, or give an IP address",
        {
          host,
        },
      );
    default:
      return new AddressError(
        error.code ?? "EUNKNOWN",
        `cannot listen at ${at}: ${error.message}`,
        "check host and port",
        {
          host,
          port,
        },
      );
  }
}

/** Turns an error from connect() into a typed error that says where it tried to connect. */
export function connectError(error: NodeJS.ErrnoException, host: string, port: number): IpcError {
  const at = where(host, port);
  switch (error.code) {
    case "ECONNREFUSED":
      return new AddressError(
        "ECONNREFUSED",
        `connection refused at ${at}: nothing is listening there`,
        "start the consumer first (it listens; producers connect), and check the host and port",
        { host, port },
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new AddressError(
        "ENOTFOUND",
        `cannot resolve host "${host}" to connect to ${at}`,
        "check the host name",
        {
          host,
          port,
        },
      );
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new AddressError(
        error.code,
        `cannot reach ${at} (${error.code})`,
        "check the address, that the consumer's host is up, and any firewall between the hosts",
        { host, port },
      );
    default:
      return new AddressError(
        error.code ?? "EUNKNOWN",
        `cannot connect to ${at}: ${error.message}`,
        "check host and port",
        {
          host,
          port,
        },
      );
  }
}
