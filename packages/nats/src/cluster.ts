/**
 * A three-node JetStream cluster on one host, for the JetStream queue's demos, tests and
 * benchmarks: three nats-servers, each with its own server name, store directory and ephemeral
 * client, monitoring and route ports, joined under one cluster name by full-mesh routes. It is
 * ready once every node has its routes and JetStream has elected a meta leader (the node that
 * places streams); before that a stream cannot be created.
 *
 * It is `startNatsCluster({ jetstream: true })` from the launcher, so it inherits the launcher's
 * clean-up: `stop()`, an exit hook that kills the servers and removes their directories when
 * this process exits (also on SIGINT/SIGTERM/SIGHUP), and a watchdog per server for when this
 * process is killed with SIGKILL. On top it tells which node leads a stream or a consumer now,
 * so that a test can kill exactly that node.
 */

import {
  monitorJson,
  type NatsCluster,
  type NatsServer,
  NatsServerError,
  startNatsCluster,
} from "./server.ts";

export interface JetStreamCluster extends NatsCluster {
  /** The JetStream cluster's name (nats-server --cluster_name). */
  readonly name: string;
  /** The node with this server name. */
  node(serverName: string): NatsServer | undefined;
  /** The node that leads the JetStream meta group now, as a running node sees it. */
  metaLeader(): Promise<NatsServer | undefined>;
  /**
   * The node that leads `stream` now (or, with `consumer`, that durable consumer of it), from
   * the stream's cluster info on a running node; undefined while there is no leader.
   */
  leaderOf(stream: string, consumer?: string): Promise<NatsServer | undefined>;
  /** What `node` holds of `stream` (its own copy, from its monitoring endpoint); undefined when it has none or does not answer. */
  streamOn(node: NatsServer, stream: string): Promise<StreamCopy | undefined>;
}

/** One node's copy of a stream. */
export interface StreamCopy {
  messages: number;
  firstSeq: number;
  lastSeq: number;
}

export interface JetStreamClusterOptions {
  /** Nodes; default 3 (the smallest cluster that keeps a majority when one node dies). */
  nodes?: number;
  /** Milliseconds to wait for routes and a meta leader. Default 20 000. */
  readyTimeoutMs?: number;
  /** Clients of every node must present this token (routes get a password of their own). */
  token?: string | undefined;
}

interface Jsz {
  meta_cluster?: { leader?: string };
  account_details?: Array<{
    stream_detail?: Array<{
      name: string;
      state?: { messages: number; first_seq: number; last_seq: number };
      cluster?: { leader?: string };
      consumer_detail?: Array<{ name: string; cluster?: { leader?: string } }>;
    }>;
  }>;
}

/** Starts a JetStream cluster and resolves once it has a meta leader. */
export async function startJetStreamCluster(
  options: JetStreamClusterOptions = {},
): Promise<JetStreamCluster> {
  const nodes = options.nodes ?? 3;
  if (!Number.isInteger(nodes) || nodes < 3) {
    throw new NatsServerError(
      `a JetStream cluster needs at least 3 nodes, got ${nodes}`,
      "pass nodes: 3 (JetStream needs a majority of its nodes up; fewer than 3 cannot lose one)",
    );
  }
  const cluster = await startNatsCluster({
    nodes,
    jetstream: true,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    token: options.token,
  });
  const byName = (name: string | undefined) => cluster.servers.find((s) => s.name === name);
  /**
   * Asks every running node who leads; the answer is the node that names itself (a node that
   * just came back may still name the leader it knew before it died).
   */
  const ask = async (path: string, pick: (jsz: Jsz) => string | undefined) => {
    const running = cluster.servers.filter((s) => s.running);
    const views = await Promise.all(
      running.map(async (s) => pick(((await monitorJson(`${s.monitorUrl}${path}`)) ?? {}) as Jsz)),
    );

    return running.find((s, i) => views[i] === s.name);
  };
  return {
    urls: cluster.urls,
    servers: cluster.servers,
    stop: () => cluster.stop(),
    name: cluster.servers[0]!.name.replace(/-n1$/, ""),
    node: byName,
    metaLeader: () => ask("/jsz", (jsz) => jsz.meta_cluster?.leader),
    leaderOf: (stream, consumer) =>
      ask(`/jsz?accounts=true&streams=true${consumer ? "&consumers=true" : ""}`, (jsz) => {
        for (const account of jsz.account_details ?? []) {
          const detail = account.stream_detail?.find((s) => s.name === stream);
          if (!detail) continue;
          if (!consumer) return detail.cluster?.leader;
          return detail.consumer_detail?.find((c) => c.name === consumer)?.cluster?.leader;
        }
        return undefined;
      }),
    streamOn: async (node, stream) => {
      const jsz = (await monitorJson(`${node.monitorUrl}/jsz?accounts=true&streams=true`)) as Jsz | undefined;
      const state = jsz?.account_details
        ?.flatMap((a) => a.stream_detail ?? [])
        .find((s) => s.name === stream)?.state;
      return state && { messages: state.messages, firstSeq: state.first_seq, lastSeq: state.last_seq };
    },
  };
}
