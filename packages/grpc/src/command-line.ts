/**
 * Reads an endpoint address from the command line, so the examples also run by hand, on one
 * machine or two: the JSON that `open()` returns (in IPC_ATLAS_ADDRESS: it may hold a token, so
 * never in argv), or in short `host:port` (grpc-network) or a socket path (grpc-os).
 */

import { dirname, resolve } from "node:path";
import { addressAt, grpcNetwork } from "./grpc-network.ts";
import { type GrpcOsAddress, grpcOs } from "./grpc-os.ts";
import type { GrpcAddressBase, GrpcVariant } from "./grpc-variant.ts";
import { DEFAULT_DEADLINE_MS } from "./producer.ts";
import { defaultMaxMessageSize } from "./proto.ts";

/** argv: `<grpc-os|grpc-network> [host:port | socket path]`; the address JSON may come in IPC_ATLAS_ADDRESS instead. */
export function parseGrpcCommandLine(argv: string[]): {
  variant: GrpcVariant<GrpcAddressBase>;
  address: GrpcAddressBase;
} {
  const [variantId, given] = argv;
  const where = process.env.IPC_ATLAS_ADDRESS ?? given;
  const variant = [grpcOs, grpcNetwork].find((v) => v.id === variantId) as
    | GrpcVariant<GrpcAddressBase>
    | undefined;
  if (!variant || !where) {
    throw new Error(
      "usage: <grpc-os|grpc-network> <host:port | socket path> (or the address JSON in IPC_ATLAS_ADDRESS; a token in IPC_ATLAS_TOKEN)\n" +
        "  e.g. grpc-network 0.0.0.0:50051 (server), grpc-network 192.168.1.20:50051 (client)",
    );
  }
  if (where.startsWith("{")) return { variant, address: JSON.parse(where) as GrpcAddressBase };
  if (variant.id === "grpc-network") {
    const colon = where.lastIndexOf(":");
    const host = where.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    return { variant, address: addressAt(host, Number(where.slice(colon + 1))) };
  }
  const socketPath = resolve(where);
  const address: GrpcOsAddress = {
    target: `unix:${socketPath}`,
    socketPath,
    directory: dirname(socketPath),
    maxMessageSize: defaultMaxMessageSize,
    deadlineMs: DEFAULT_DEADLINE_MS,
  };
  return { variant, address };
}
