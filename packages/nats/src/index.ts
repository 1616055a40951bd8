/**
 * @ipc-atlas/nats — publish/subscribe through a real nats-server: on one host
 * (`pub-sub-nats-os`) and across a 3-node cluster (`pub-sub-nats-network`), plus the launcher
 * that starts nats-server (and clusters of it) for demos, tests, benchmarks and the
 * JetStream message-queue backend.
 */

export {
  findNatsServer,
  liveNatsServers,
  type NatsCluster,
  type NatsClusterOptions,
  type NatsServer,
  NatsServerError,
  type NatsServerOptions,
  natsUrlsFromEnv,
  startNatsCluster,
  startNatsServer,
} from "./server.ts";
