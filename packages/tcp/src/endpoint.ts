/**
 * The endpoint's listening socket, handed to the consumer instead of released and bound again.
 *
 * open() listens at once (port 0: the kernel picks a free port) and holds the server for the
 * consumer under the address it returns (core's `holdListener`). The consumer takes it by that
 * address: in this process directly, in a consumer process that core's `spawnConsumer` (or the
 * demo) started, through the IPC channel. The port is never released in between, so no other
 * program can take it. A consumer started elsewhere with only the JSON address (on another
 * host, or in a process the user starts) listens on the address's port itself.
 */

import { createServer, Server, type Socket } from "node:net";
import { AddressError, type Endpoint, holdListener, listen, takeListener } from "@ipc-atlas/core";
import type { TcpAddress } from "./address.ts";

/**
 * A server listening for a consumer that has not attached yet. Connections that arrive
 * meanwhile are accepted paused and kept for that consumer (a producer that connects early
 * waits instead of being refused); if the server closes without one, they are dropped.
 */
export class HeldListener extends Server {
  readonly #early = new Set<Socket>();
  readonly #keep = (socket: Socket) => {
    this.#early.add(socket);
    socket.once("close", () => this.#early.delete(socket));
    socket.on("error", () => {}); // a reset before the consumer came is nobody's to report
  };

  constructor() {
    super({ pauseOnConnect: true });
    this.on("connection", this.#keep);
    // An endpoint nobody attached a consumer to must not keep its process alive; the
    // consumer that takes the server refs it again.
    this.unref();
  }

  /** For the consumer that takes this server: stop keeping connections, and hand over those kept. */
  adopt(): Socket[] {
    this.off("connection", this.#keep);
    const early = [...this.#early];
    this.#early.clear();
    return early;
  }

  override close(callback?: (error?: Error) => void): this {
    for (const socket of this.#early) socket.destroy();
    this.#early.clear();
    return super.close(callback);
  }
}

/** Opens a tcp endpoint: listens on `settings.host` at `port` (0 for a free one) and holds the server. */
export async function openTcpEndpoint(
  settings: Omit<TcpAddress, "port">,
  port = 0,
): Promise<Endpoint<TcpAddress>> {
  const listener = new HeldListener();
  const { host, ...rest } = settings;
  const address: TcpAddress = { host, port: await listen(listener, host, port), ...rest };
  holdListener(address, listener);
  return {
    address,
    maxMessageSize: address.maxMessageSize,
    // A consumer that took the listener owns it (and closes it with consumer.close()).
    async close() {
      const held = takeListener(address);
      if (held) await new Promise<void>((resolve) => held.close(() => resolve()));
    },
  };
}

/**
 * The consumer's listening server: the endpoint's, if this process holds it for `address`,
 * with the connections it accepted so far; else a server of its own on the address's port.
 */
export async function listenerFor(address: TcpAddress): Promise<{ server: Server; early: Socket[] }> {
  const held = takeListener(address);
  if (held) return { server: held.ref(), early: held instanceof HeldListener ? held.adopt() : [] };
  const server = createServer();
  try {
    await listen(server, address.host, address.port);
  } catch (error) {
    if (!(error instanceof AddressError && error.code === "EADDRINUSE")) throw error;
    const hint = error.hint ?? "";
    throw new AddressError(
      "EADDRINUSE",
      error.message.slice(0, error.message.length - (hint ? hint.length + 3 : 0)),
      `${hint}. If an ipc-atlas endpoint in another process opened this address, that process holds the port for its consumer: attach the consumer there (variant.consumer, or spawnConsumer, which hands the listening socket to the consumer's process)`,
      error.details,
    );
  }
  return { server, early: [] };
}
