/**
 * tcp-ip: framed messages over TCP/IP between hosts, addressed by host and port. The consumer
 * listens on the interface the user chooses (OpenOptions.host, default 127.0.0.1; 0.0.0.0 for
 * every interface) and producers connect from this or another machine. Same wire format and
 * semantics as `tcp`; only the reach differs.
 *
 * The demo runs both peers on this host by default. To run it across two machines, set on the
 * consumer's machine IPC_ATLAS_ROLE=consumer IPC_ATLAS_HOST=0.0.0.0 [IPC_ATLAS_PORT=7070], and
 * on the producer's machine IPC_ATLAS_ROLE=producer IPC_ATLAS_CONNECT=<consumer's ip>:<port>.
 */

import { networkInterfaces } from "node:os";
import {
  AddressError,
  type Endpoint,
  type Narrator,
  type OpenOptions,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { expectExit, runLocalDemo, startDemoConsumer, startDemoProducer } from "./demo.ts";
import {
  checkMaxMessageSize,
  DEFAULT_MAX_MESSAGE_BYTES,
  reservePort,
  type TcpAddress,
  TcpConsumer,
  TcpProducer,
} from "./framed-socket.ts";
import { tcpEndpoint } from "./tcp.ts";

export interface TcpIpOpenOptions extends OpenOptions {
  /** The port to listen on; by default a free one is chosen. */
  port?: number;
}

export const tcpIp: Variant<TcpAddress> & {
  open(options?: TcpIpOpenOptions): Promise<Endpoint<TcpAddress>>;
} = {
  id: "tcp-ip",
  taxonomy: taxonomy["tcp-ip"],
  summary:
    "Length-prefixed messages over TCP/IP, addressed by host and port: the consumer listens on a chosen interface, producers connect from any host.",
  module: import.meta.url,
  async open(options: TcpIpOpenOptions = {}) {
    const host = options.host ?? "127.0.0.1";
    const maxMessageSize = checkMaxMessageSize(options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES);
    if (
      options.port !== undefined &&
      (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    ) {
      throw new AddressError(
        "EINVAL",
        `port ${options.port} is not a TCP port`,
        "use 1024–65535, or 0 for a free one",
      );
    }
    // Reserving checks now that the host is ours and the port free, with a clear error if not.
    const port = await reservePort(host, options.port ?? 0);
    return tcpEndpoint({ host, port, maxMessageSize });
  },
  producer: (address) => TcpProducer.connect(address),
  consumer: (address) => TcpConsumer.listen(address),
  demo: demoTcpIp,
};

/** The demo's settings, from the environment (the harness passes no options to demos). */
export function demoSettings(env: NodeJS.ProcessEnv = process.env) {
  const role = env.IPC_ATLAS_ROLE ?? "both";
  if (!["both", "consumer", "producer"].includes(role)) {
    throw new AddressError(
      "EINVAL",
      `IPC_ATLAS_ROLE=${role} is not a role`,
      "use consumer, producer, or leave it unset for both",
    );
  }
  const port = env.IPC_ATLAS_PORT === undefined ? undefined : Number(env.IPC_ATLAS_PORT);
  return { role, host: env.IPC_ATLAS_HOST ?? "127.0.0.1", port, connect: env.IPC_ATLAS_CONNECT };
}

function parseHostPort(value: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
  if (!match) {
    throw new AddressError(
      "EINVAL",
      `IPC_ATLAS_CONNECT=${value} is not host:port`,
      "for example 192.168.1.20:7070",
    );
  }
  return { host: match[1]!, port: Number(match[2]) };
}

function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && i.family === "IPv4")
    .map((i) => i!.address);
}

async function demoTcpIp(narrator: Narrator): Promise<void> {
  const settings = demoSettings();
  if (settings.role === "producer") {
    if (!settings.connect) {
      throw new AddressError(
        "EINVAL",
        "IPC_ATLAS_ROLE=producer needs IPC_ATLAS_CONNECT=<host>:<port>",
        "give the address the consumer's machine printed",
      );
    }
    const address: TcpAddress = {
      ...parseHostPort(settings.connect),
      maxMessageSize: DEFAULT_MAX_MESSAGE_BYTES,
    };
    narrator.note(`producer only: sending to the consumer at ${settings.connect}`);
    const producer = startDemoProducer("tcp-ip", address, narrator);
    producer.start();
    await expectExit(producer, "producer");
    return;
  }
  const endpoint = await tcpIp.open({
    host: settings.host,
    ...(settings.port !== undefined ? { port: settings.port } : {}),
  });
  const { host, port } = endpoint.address;
  try {
    if (settings.role === "consumer") {
      const consumer = await startDemoConsumer("tcp-ip", endpoint.address, narrator);
      const reachable = host === "0.0.0.0" || host === "::" ? externalAddresses() : [host];
      narrator.note(`consumer only, listening on ${host}:${port}. On the other machine run:`);
      for (const ip of reachable) {
        narrator.note(`  IPC_ATLAS_ROLE=producer IPC_ATLAS_CONNECT=${ip}:${port} pnpm ipc-atlas demo tcp-ip`);
      }
      await expectExit(consumer, "consumer");
      return;
    }
    narrator.note(
      `two processes; the consumer listens on ${host}:${port} (IPC_ATLAS_HOST=0.0.0.0 to listen on every interface; ` +
        "IPC_ATLAS_ROLE=consumer|producer to run the halves on two machines — see the package README)",
    );
    await runLocalDemo("tcp-ip", endpoint.address, narrator);
  } finally {
    await endpoint.close();
  }
}
