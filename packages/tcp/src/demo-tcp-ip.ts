/**
 * The tcp-ip demo. It runs both peers on this host by default, the consumer listening on this
 * host's first non-loopback IPv4 address with TLS (what tcp-ip is for; on a host with only
 * loopback, on 127.0.0.1). To run it across two machines,
 * set on the consumer's machine IPC_ATLAS_ROLE=consumer IPC_ATLAS_HOST=0.0.0.0 IPC_ATLAS_TLS=1
 * [IPC_ATLAS_PORT=7070]: it writes the address (token and CA) to a 0600 file; copy it over and
 * set on the producer's machine IPC_ATLAS_ROLE=producer IPC_ATLAS_CONNECT=<consumer's ip>:<port>
 * IPC_ATLAS_ADDRESS_FILE=<the copy>.
 */

import { readFile, writeFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import { AddressError, demoSecurity, type Narrator } from "@ipc-atlas/core";
import { DEFAULT_MAX_MESSAGE_BYTES, type TcpAddress } from "./address.ts";
import { expectExit, runLocalDemo, startDemoConsumer, startDemoProducer } from "./demo.ts";
import { tcpIp } from "./tcp-ip.ts";

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

export function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && i.family === "IPv4")
    .map((i) => i!.address);
}

export async function demoTcpIp(narrator: Narrator): Promise<void> {
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
    const producer = startDemoProducer(address, narrator);
    producer.start();
    await expectExit(producer, "producer");
    return;
  }
  // Both halves here: listen on this host's network address, the one another machine would
  // connect to (the kernel still carries the bytes locally), and beyond loopback tcp-ip requires
  // TLS (or --insecure).
  const external =
    settings.role === "both" && !process.env.IPC_ATLAS_HOST ? externalAddresses()[0] : undefined;
  const endpoint = await tcpIp.open({
    host: external ?? settings.host,
    ...(settings.tls || (external && !settings.insecure) ? { tls: true } : {}),
    ...(settings.insecure ? { insecure: true } : {}),
    ...(settings.port !== undefined ? { port: settings.port } : {}),
  });
  const { host, port } = endpoint.address;
  try {
    if (settings.role === "consumer") {
      const consumer = await startDemoConsumer(endpoint.address, narrator);
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
    const over = endpoint.address.tls ? "with TLS" : "without TLS";
    narrator.note(
      `two processes on this host; the consumer listens on ${host}:${port} ${over}` +
        (external ? ", this host's network address, not loopback" : "") +
        " (IPC_ATLAS_ROLE=consumer|producer runs the halves on two machines: see the package README)",
    );
    await runLocalDemo(endpoint.address, narrator);
  } finally {
    await endpoint.close();
  }
}
