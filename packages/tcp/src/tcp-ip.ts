/**
 * tcp-ip: framed messages over TCP/IP between hosts, addressed by host and port. The consumer
 * listens on the interface the user chooses (OpenOptions.host, default 127.0.0.1; 0.0.0.0 for
 * every interface) and producers connect from this or another machine. Same wire format and
 * semantics as `tcp`; only the reach differs.
 *
 * Every endpoint has a token that producers present (see handshake.ts); beyond loopback it also
 * needs TLS (`open({ tls: true })`) or an explicit `insecure: true`.
 *
 * The demo runs both peers on this host by default. To run it across two machines, set on the
 * consumer's machine IPC_ATLAS_ROLE=consumer IPC_ATLAS_HOST=0.0.0.0 IPC_ATLAS_TLS=1
 * [IPC_ATLAS_PORT=7070]: it writes the address (token and CA) to a 0600 file; copy it over and
 * set on the producer's machine IPC_ATLAS_ROLE=producer IPC_ATLAS_CONNECT=<consumer's ip>:<port>
 * IPC_ATLAS_ADDRESS_FILE=<the copy>.
 */

import { readFile, writeFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import {
  AddressError,
  defineVariant,
  demoSecurity,
  type Endpoint,
  endpointSecurity,
  type Narrator,
  type OpenOptions,
  taxonomy,
  type Variant,
} from "@ipc-atlas/core";
import { tcpIpCard } from "./cards.ts";
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
} = defineVariant<
  Variant<TcpAddress> & {
    open(options?: TcpIpOpenOptions): Promise<Endpoint<TcpAddress>>;
  }
>({
  id: "tcp-ip",
  taxonomy: { ...taxonomy["tcp-ip"], medium: "TCP/IP between hosts, addressed by host and port" },
  card: tcpIpCard,
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
    // Refused first: a host beyond loopback needs TLS or an explicit insecure.
    const security = await endpointSecurity("tcp-ip", host, options);
    // Reserving checks now that the host is ours and the port free, with a clear error if not.
    const port = await reservePort(host, options.port ?? 0);
    return tcpEndpoint({ host, port, maxMessageSize, ...security });
  },
  producer: (address) => TcpProducer.connect(address),
  consumer: (address) => TcpConsumer.listen(address),
  demo: demoTcpIp,
});

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
  return {
    role,
    host: env.IPC_ATLAS_HOST ?? "127.0.0.1",
    port,
    connect: env.IPC_ATLAS_CONNECT,
    addressFile: env.IPC_ATLAS_ADDRESS_FILE,
    ...demoSecurity(env),
  };
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
    // The consumer's machine wrote its address (token, CA) to a file the user copied over.
    const given = settings.addressFile
      ? (JSON.parse(await readFile(settings.addressFile, "utf8")) as TcpAddress)
      : undefined;
    if (!given && !settings.insecure) {
      throw new AddressError(
        "EINVAL",
        "IPC_ATLAS_ROLE=producer needs IPC_ATLAS_ADDRESS_FILE=<the file the consumer's machine wrote>",
        "it holds the endpoint's token (and CA); or pass --insecure to a consumer that runs with --insecure",
      );
    }
    const address: TcpAddress = {
      maxMessageSize: DEFAULT_MAX_MESSAGE_BYTES,
      ...given,
      ...parseHostPort(settings.connect),
    };
    narrator.note(`producer only: sending to the consumer at ${settings.connect}`);
    const producer = startDemoProducer("tcp-ip", address, narrator);
    producer.start();
    await expectExit(producer, "producer");
    return;
  }
  const endpoint = await tcpIp.open({
    host: settings.host,
    ...(settings.tls ? { tls: true } : {}),
    ...(settings.insecure ? { insecure: true } : {}),
    ...(settings.port !== undefined ? { port: settings.port } : {}),
  });
  const { host, port } = endpoint.address;
  try {
    if (settings.role === "consumer") {
      const consumer = await startDemoConsumer("tcp-ip", endpoint.address, narrator);
      const reachable = host === "0.0.0.0" || host === "::" ? externalAddresses() : [host];
      // What a producer needs (token, CA; not the server's key), in a file only this user reads.
      const file = resolve(settings.addressFile ?? "tcp-ip-address.json");
      const { tls, ...rest } = endpoint.address;
      const forProducer = tls ? { ...rest, tls: { ca: tls.ca, cert: "", key: "" } } : rest;
      await writeFile(file, JSON.stringify(forProducer), { mode: 0o600 });
      narrator.note(
        `consumer only, listening on ${host}:${port}; the address (with its token) is in ${file}.`,
      );
      narrator.note("Copy that file to the other machine, keep it private, and run there:");
      for (const ip of reachable) {
        narrator.note(
          `  IPC_ATLAS_ROLE=producer IPC_ATLAS_CONNECT=${ip}:${port} IPC_ATLAS_ADDRESS_FILE=<the copy> pnpm ipc-atlas demo tcp-ip`,
        );
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
