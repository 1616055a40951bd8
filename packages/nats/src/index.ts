/**
 * @ipc-atlas/nats — publish/subscribe through a real nats-server: on one host
 * (`pub-sub-nats-os`) and across a 3-node cluster (`pub-sub-nats-network`), plus the launcher
 * that starts nats-server (and clusters of it) for demos, tests, benchmarks and the
 * JetStream message-queue backend.
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { pubSubNatsNetwork } from "./pub-sub-nats-network.ts";
import { pubSubNatsOs } from "./pub-sub-nats-os.ts";

export { findNatsServer } from "./binary.ts";
export {
  type JetStreamCluster,
  type JetStreamClusterOptions,
  type NatsCluster,
  type NatsClusterOptions,
  type StreamCopy,
  startJetStreamCluster,
  startNatsCluster,
} from "./cluster.ts";
export {
  type NatsAddress,
  type NatsAuth,
  NatsConnectionError,
  natsConnectOptions,
  newSubject,
} from "./connection.ts";
export { monitorJson } from "./monitor.ts";
export { clusterAddress, pubSubNatsNetwork } from "./pub-sub-nats-network.ts";
export { pubSubNatsOs } from "./pub-sub-nats-os.ts";
export { type NatsProducer, type NatsProducerStats, natsProducer, WINDOW_BYTES } from "./publisher.ts";
export {
  type NatsServer,
  NatsServerError,
  type NatsServerOptions,
  natsUrlsFromEnv,
  startNatsServer,
} from "./server.ts";
export {
  DEFAULT_MAX_PENDING,
  DEFAULT_MAX_PENDING_BYTES,
  type NatsConsumer,
  type NatsConsumerOptions,
  type NatsConsumerStats,
  NatsSlowConsumerError,
  natsConsumer,
} from "./subscriber.ts";
export { liveNatsServers } from "./watchdog.ts";

export const variants: AnyVariant[] = [pubSubNatsOs, pubSubNatsNetwork];
