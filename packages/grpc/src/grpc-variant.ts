/**
 * What grpc-os and grpc-network share: the address fields both carry, the options `open`
 * takes beyond core's, the variant type (core's Variant whose producer and consumer also take
 * gRPC options), and the narrated demo, which runs the server and the client as two processes.
 */

import {
  demoSecurity,
  type Endpoint,
  type Narrator,
  type OpenOptions,
  PeerGoneError,
  spawnScript,
  type Variant,
} from "@ipc-atlas/core";
import type { ConsumerOptions, GrpcConsumer } from "./consumer.ts";
import type { GreeterClient, GreeterClientOptions } from "./greeter.ts";
import type { GrpcProducer, ProducerOptions } from "./producer.ts";
import { GrpcStreamProducer } from "./stream-producer.ts";
import { GrpcUnaryProducer } from "./unary-producer.ts";

export interface GrpcAddressBase {
  /** What grpc-js binds and dials: `unix:/path` or `host:port`. */
  target: string;
  /** Largest payload of one message; the server's receive limit is derived from it. */
  maxMessageSize: number;
  /** Deadline of each unary call made by producers of this endpoint. */
  deadlineMs: number;
}

export interface GrpcOpenOptions extends OpenOptions {
  /** Deadline of each unary call (a synchronous send waits at most this long for the consumer). Default 30 s. */
  deadlineMs?: number;
}

export interface GrpcVariant<Address extends GrpcAddressBase> extends Variant<Address> {
  open(options?: GrpcOpenOptions): Promise<Endpoint<Address>>;
  /** Options override what the address says (mode "stream" for throughput, a shorter deadline). */
  producer(address: Address, options?: ProducerOptions): Promise<GrpcProducer>;
  /** Options add services (the Greeter) and a cancellation observer. */
  consumer(address: Address, options?: ConsumerOptions): Promise<GrpcConsumer>;
  /** A Greeter client for the server at `address` (the demo's hello example). */
  greeter(address: Address, options?: GreeterClientOptions): GreeterClient;
  demo(narrator: Narrator): Promise<void>;
}

/** Connects the producer `options.mode` asks for (unary by default) to the server at `target`. */
export function connectProducer(target: string, options: ProducerOptions = {}): Promise<GrpcProducer> {
  return options.mode === "stream"
    ? GrpcStreamProducer.connect(target, options)
    : GrpcUnaryProducer.connect(target, options);
}

/** Runs the demo: the server (consumer + Greeter) and the client (Greeter calls + a producer) as two processes. */
export async function runGrpcDemo<Address extends GrpcAddressBase>(
  variant: GrpcVariant<Address>,
  narrator: Narrator,
  describe: (address: Address) => string,
): Promise<void> {
  // --host, --tls and --insecure reach network demos through the environment (demoSecurity).
  const endpoint = await variant.open(variant.id === "grpc-network" ? demoSecurity() : {});
  // The address may hold a token: the children get it in their environment, never in argv.
  const args = [variant.id];
  const env = { ...process.env, IPC_ATLAS_ADDRESS: JSON.stringify(endpoint.address) };
  const children: Array<ReturnType<typeof spawnScript>> = [];
  try {
    narrator.note(`${describe(endpoint.address)}; the server (the consumer) binds it, the client dials it`);
    // Both processes start at once (starting Node takes longer than anything gRPC does); the
    // client dials only when the parent tells it the server listens.
    const server = spawnScript(new URL("../examples/01-server.ts", import.meta.url), { narrator, args, env });
    const client = spawnScript(new URL("../examples/02-client.ts", import.meta.url), { narrator, args, env });
    children.push(server, client);
    await new Promise<void>((resolve, reject) => {
      server.process.on("message", (m: { listening?: boolean }) => {
        if (m?.listening) resolve();
      });
      void server.exited.then((code) =>
        reject(new PeerGoneError(`the demo's gRPC server exited with code ${code}`)),
      );
    });
    client.process.send({ start: true });
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
