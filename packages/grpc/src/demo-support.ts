/**
 * What the demo's two programs (examples/01-server.ts, examples/02-client.ts) need that is not
 * gRPC, kept here so that the examples show the mechanism alone: reading the address, narrating
 * through the demo, and the demo's start handshake. The demo hands the server the endpoint's
 * listening socket (grpc-network) and waits for it to say it listens; the client says it is
 * ready and dials only on the demo's go. Run by hand (no IPC channel), the handshake is skipped
 * and the lines print.
 */

import { childNarrator, receiveListener, waitForGo } from "@ipc-atlas/core";
import { parseGrpcCommandLine } from "./command-line.ts";

/** In the server: the variant and address from argv, and a narrator; the listener, if the demo sends one. */
export async function serverProcess() {
  const { variant, address } = parseGrpcCommandLine(process.argv.slice(2));
  const narrator = childNarrator("server");
  if (process.send) await receiveListener(address);
  return {
    variant,
    address,
    say: narrator.sayAs,
    /** Says where the server listens, and tells the demo it may let the client dial. */
    listening(): void {
      const token = "token" in address && address.token ? " (every call must carry the token)" : "";
      narrator.sayAs("LISTEN", `${address.target}${token}`);
      process.send?.({ ready: true });
    },
  };
}

/** In the client: the variant and address from argv, and a narrator, once the demo says go. */
export async function clientProcess() {
  const { variant, address } = parseGrpcCommandLine(process.argv.slice(2));
  const narrator = childNarrator("client");
  if (process.send) {
    const go = waitForGo();
    process.send({ ready: true });
    await go;
  }
  return { variant, address, say: narrator.sayAs };
}
