/**
 * grpc-os: gRPC over a Unix domain socket. The medium is a socket file in a private temporary
 * directory (mode 0700, from mkdtemp) that open() creates and Endpoint.close() removes; the
 * consumer's gRPC server binds `unix:<dir>/consumer.sock` and producers dial it. HTTP/2 and
 * protobuf are the same as over TCP; only the kernel object underneath differs, so nothing
 * outside this host (and nobody without access to the directory) can connect.
 *
 * A consumer that crashed leaves its socket file behind, and a new bind on that path fails
 * with EADDRINUSE. Before binding, the consumer probes an existing file: if nobody accepts a
 * connection on it, the file is stale and removed; if somebody does, that is a clear error.
 */

import { rmSync } from "node:fs";
import { lstat, mkdtemp, rm, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddressError, atExit, defineVariant, taxonomy } from "@ipc-atlas/core";
import { grpcOsCard } from "./cards.ts";
import { GrpcConsumer } from "./consumer.ts";
import { runGrpcDemo } from "./demo.ts";
import { GreeterClient } from "./greeter.ts";
import {
  connectProducer,
  type GrpcAddressBase,
  type GrpcOpenOptions,
  type GrpcVariant,
} from "./grpc-variant.ts";
import { DEFAULT_DEADLINE_MS } from "./producer.ts";
import { defaultMaxMessageSize } from "./proto.ts";

export interface GrpcOsAddress extends GrpcAddressBase {
  /** The socket file; `target` is `unix:` followed by this path. */
  socketPath: string;
  /** The private directory that holds it. */
  directory: string;
}

/** Linux's limit for a socket path (sun_path is 108 bytes with the terminating NUL). */
const MAX_SOCKET_PATH_BYTES = 107;
const TEMP_PREFIX = "ipc-atlas-grpc-";

/** Whether some process accepts connections on the socket file at `path`. */
function somebodyListens(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (error.code === "ECONNREFUSED") resolve(false);
      else reject(error);
    });
  });
}

/**
 * Makes `path` bindable: nothing there is fine; a socket nobody listens on (left by a crashed
 * consumer) is removed; a live socket or any other kind of file is an AddressError.
 */
export async function clearStaleSocket(path: string): Promise<"absent" | "removed-stale"> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
  if (!stats.isSocket()) {
    throw new AddressError(
      "EEXIST",
      `${path} exists and is not a socket`,
      "it was left untouched; choose another path or remove the file yourself",
      { path },
    );
  }
  if (await somebodyListens(path)) {
    throw new AddressError(
      "EADDRINUSE",
      `a process already listens on ${path}`,
      "only one consumer serves an endpoint; close the other consumer or open a new endpoint",
      { path },
    );
  }
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  return "removed-stale";
}

export const grpcOs: GrpcVariant<GrpcOsAddress> = defineVariant<GrpcVariant<GrpcOsAddress>>({
  id: "grpc-os",
  taxonomy: { ...taxonomy["grpc-os"], medium: "gRPC over a Unix domain socket" },
  card: grpcOsCard,
  summary:
    "gRPC over a Unix domain socket: the consumer serves a Messages service whose unary Send answers once the consumer took the message.",
  module: import.meta.url,

  async open(options: GrpcOpenOptions = {}) {
    const directory = await mkdtemp(join(tmpdir(), TEMP_PREFIX));
    try {
      const socketPath = join(directory, "consumer.sock");
      if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
        throw new AddressError(
          "ENAMETOOLONG",
          `the socket path ${socketPath} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket allows`,
          "set TMPDIR to a shorter directory",
          { path: socketPath },
        );
      }
      const maxMessageSize = options.maxMessageSize ?? defaultMaxMessageSize;
      const address: GrpcOsAddress = {
        target: `unix:${socketPath}`,
        socketPath,
        directory,
        maxMessageSize,
        deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
      };
      // Removed at exit too, SIGINT/SIGTERM included, like FIFO directories.
      atExit(() => rmSync(directory, { recursive: true, force: true }));
      return {
        address,
        maxMessageSize,
        // The consumer unlinks its socket when it closes; this also covers one that crashed.
        close: () => rm(directory, { recursive: true, force: true }),
      };
    } catch (error) {
      await rm(directory, { recursive: true, force: true });
      throw error;
    }
  },

  async consumer(address, options = {}) {
    await clearStaleSocket(address.socketPath);
    return GrpcConsumer.listen(address.target, { maxMessageSize: address.maxMessageSize, ...options });
  },

  producer: (address, options = {}) =>
    connectProducer(address.target, {
      maxMessageSize: address.maxMessageSize,
      deadlineMs: address.deadlineMs,
      ...options,
    }),

  greeter: (address, options) => new GreeterClient(address.target, options),

  demo: (narrator) => runGrpcDemo(grpcOs, narrator),
});
