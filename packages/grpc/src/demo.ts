/**
 * The narrated demo of grpc-os and grpc-network: the server (the consumer, hosting the Greeter
 * beside Messages) and the client (Greeter calls, then a producer) run as two processes,
 * examples/01-server.ts and examples/02-client.ts. Both start at once, since starting Node takes
 * longer than anything gRPC does; each says `ready`, and the client dials only on core's `go`,
 * once the server listens. The endpoint's listening socket (grpc-network) goes to the server
 * over its IPC channel, and the address (which may hold a token) through the environment.
 */

import {
  addressEnv,
  type ChildHandle,
  childReady,
  demoSecurity,
  type Narrator,
  PeerGoneError,
  sendListener,
  spawnScript,
} from "@ipc-atlas/core";
import type { GrpcAddressBase, GrpcVariant } from "./grpc-variant.ts";

const serverScript = new URL("../examples/01-server.ts", import.meta.url);
const clientScript = new URL("../examples/02-client.ts", import.meta.url);

/** Runs the demo of `variant`: the server says where it listens, so this process says nothing of its own. */
export async function runGrpcDemo<Address extends GrpcAddressBase>(
  variant: GrpcVariant<Address>,
  narrator: Narrator,
): Promise<void> {
  // --host, --tls and --insecure reach network demos through the environment (demoSecurity).
  const endpoint = await variant.open(variant.id === "grpc-network" ? demoSecurity() : {});
  // The address may hold a token: the children get it in their environment, never in argv.
  const args = [variant.id];
  const env = addressEnv(endpoint.address);
  const children: ChildHandle[] = [];
  try {
    const server = spawnScript(serverScript, { narrator, args, env });
    const client = spawnScript(clientScript, { narrator, args, env });
    children.push(server, client);
    sendListener(server.process, endpoint.address);
    await Promise.all([
      childReady(server, "the demo's gRPC server"),
      childReady(client, "the demo's gRPC client"),
    ]);
    client.process.send({ go: true });
    const [clientCode, serverCode] = await Promise.all([client.exited, server.exited]);
    if (clientCode !== 0 || serverCode !== 0) {
      throw new PeerGoneError(
        `the demo's client exited with ${clientCode} and its server with ${serverCode}`,
      );
    }
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(children.map((child) => child.exited));
    await endpoint.close();
  }
}
