/**
 * The bench's consumer process. argv: "variant" | "raw", variant id, address JSON.
 * - variant: the variant's consumer, iterated to the end (it ends when the producer closes).
 * - raw: a bare grpc-js server for the same Messages service with no Producer/Consumer layer:
 *   Send answers at once, Stream counts what arrives and answers at its end.
 * The parent hands over the endpoint's listening socket (grpc-network) first. Sends { ready }
 * once serving, and { received } when told { stop } (raw) or at the end (variant).
 */

import { Server, ServerCredentials, type ServerReadableStream, type sendUnaryData } from "@grpc/grpc-js";
import { receiveListener, takeListener } from "@ipc-atlas/core";
import type { GrpcAddressBase, GrpcVariant } from "../src/index.ts";
import { messagesServiceDefinition, variants } from "../src/index.ts";

const [layer, variantId, addressJson] = process.argv.slice(2);
const address = JSON.parse(addressJson!) as GrpcAddressBase;
const send = (m: unknown) => process.send?.(m);
await receiveListener(address);
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

if (layer === "variant") {
  const variant = variants.find((v) => v.id === variantId) as GrpcVariant<GrpcAddressBase>;
  const consumer = await variant.consumer(address);
  send({ ready: true });
  let received = 0;
  for await (const _ of consumer) received++;
  send({ received, cpuMicros: cpuMicros(), streamPauses: consumer.streamPauses });
  await consumer.close();
  process.disconnect?.();
} else {
  let received = 0;
  const server = new Server();
  server.addService(messagesServiceDefinition, {
    Send: (_call: unknown, callback: sendUnaryData<object>) => {
      received++;
      callback(null, {});
    },
    Stream: (call: ServerReadableStream<unknown, object>, callback: sendUnaryData<object>) => {
      let taken = 0;
      call.on("data", () => {
        received++;
        taken++;
      });
      call.on("end", () => callback(null, { taken }));
    },
    End: (_call: unknown, callback: sendUnaryData<object>) => callback(null, {}),
  });
  const listener = takeListener(address);
  if (listener) {
    const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
    listener.on("connection", (socket) => injector.injectConnection(socket));
  } else {
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(address.target, ServerCredentials.createInsecure(), (e) =>
        e ? reject(e) : resolve(),
      ),
    );
  }
  send({ ready: true });
  process.on("message", (m: { stop?: boolean }) => {
    if (!m?.stop) return;
    send({ received, cpuMicros: cpuMicros() });
    server.forceShutdown();
    process.disconnect?.();
  });
}
