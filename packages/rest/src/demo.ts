/**
 * The narrated rest demo: an express server that consumes slowly (examples/01-consumer.ts) and a
 * client whose sends wait for it (examples/02-producer.ts), each in its own process; what both
 * need beyond HTTP (address, narration, this handshake) is in demo-support.ts. Both start
 * at once; each says `ready`, and the producer sends only on core's `go`, once the server
 * listens. The endpoint's listening socket goes to the consumer over its IPC channel, and the
 * address (which holds the token) through the environment, never argv.
 */

import {
  addressEnv,
  childReady,
  demoSecurity,
  type Endpoint,
  type Narrator,
  PeerGoneError,
  sendListener,
  spawnScript,
} from "@ipc-atlas/core";
import type { RestAddress, RestOpenOptions } from "./rest.ts";

const consumerScript = new URL("../examples/01-consumer.ts", import.meta.url);
const producerScript = new URL("../examples/02-producer.ts", import.meta.url);

/** Runs the demo on an endpoint made by `open` (the rest variant's). */
export async function runRestDemo(
  open: (options: RestOpenOptions) => Promise<Endpoint<RestAddress>>,
  narrator: Narrator,
): Promise<void> {
  // --host, --tls and --insecure reach the demo through the environment (see demoSecurity).
  const endpoint = await open(demoSecurity());
  // The address holds the token: the children get it in their environment, never in argv.
  const env = addressEnv(endpoint.address);
  const consumer = spawnScript(consumerScript, { narrator, env });
  const producer = spawnScript(producerScript, { narrator, env });
  try {
    sendListener(consumer.process, endpoint.address);
    await Promise.all([
      childReady(consumer, "the demo's consumer"),
      childReady(producer, "the demo's producer"),
    ]);
    producer.process.send({ go: true });
    const [producerCode, consumerCode] = await Promise.all([producer.exited, consumer.exited]);
    if (producerCode !== 0 || consumerCode !== 0) {
      throw new PeerGoneError(
        `the demo's producer exited with ${producerCode}, its consumer with ${consumerCode}`,
      );
    }
  } finally {
    producer.kill("SIGKILL");
    consumer.kill("SIGKILL");
    await Promise.all([producer.exited, consumer.exited]);
    await endpoint.close();
  }
}
