/**
 * Clusters of nats-servers on one host. `startNatsCluster` starts N servers (3 by default)
 * joined under one cluster name by full-mesh routes, each with its own name, directory and
 * ephemeral client and monitoring ports, and resolves once every node has a route to every
 * other (and, with JetStream, a meta leader: the node that places streams; before that a stream
 * cannot be created). Every node is a server of server.ts, so it inherits the launcher's
 * clean-up: `stop()`, the exit hook and a watchdog per server (watchdog.ts).
 *
 * `startJetStreamCluster` is that cluster with JetStream, for the JetStream queue's demos, tests
 * and benchmarks; on top it tells which node leads a stream or a consumer now, so that a test
 * can kill exactly that node.
 */

import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, type TlsMaterial } from "@ipc-atlas/core";
import { findNatsServer } from "./binary.ts";
import { monitorJson } from "./monitor.ts";
import { type ManagedServer, type NatsServer, NatsServerError, newServer, randomName } from "./server.ts";

export interface NatsCluster {
  /** Client URLs, one per node, in node order. */
  readonly urls: string[];
  readonly servers: NatsServer[];
  /** The token clients of every node must present, when started with one. A secret. */
  readonly token?: string | undefined;
  /** Stops every node and removes their files. Idempotent. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Number of nodes; default 3. */
  nodes?: number;
  jetstream?: boolean;
  readyTimeoutMs?: number;
  /** Clients of every node must present this token; routes get a password of their own. */
  token?: string | undefined;
  tls?: Pick<TlsMaterial, "cert" | "key"> | undefined;
}

/** How many times a cluster start is tried with new route ports when one was taken meanwhile. */
const ROUTE_PORT_ATTEMPTS = 4;

/**
 * Starts a cluster of nats-servers (3 by default) with full-mesh routes on 127.0.0.1 and
 * resolves once every node has a route to every other (and, with JetStream, a meta leader).
 *
 * Route ports are the one place where a port is reserved and then given up: every node must be
 * told its peers' route ports before it starts, and nats-server binds them itself (no socket
 * can be handed over to it), so core's `freePort` picks ports that were free a moment ago and
 * another program can take one in between. A lost race shows as a node that exits with
 * "address already in use"; the whole start is then retried with new ports, and after
 * `ROUTE_PORT_ATTEMPTS` lost races in a row it fails with a NatsServerError that says so.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const nodes = options.nodes ?? 3;
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new NatsServerError(`a cluster needs at least 1 node, got ${nodes}`, "pass nodes: 3");
  }
  const binary = findNatsServer();
  let lastLog: unknown;
  for (let attempt = 0; attempt < ROUTE_PORT_ATTEMPTS; attempt++) {
    const clusterPorts: number[] = [];
    while (clusterPorts.length < nodes) {
      const p = await freePort();
      if (!clusterPorts.includes(p)) clusterPorts.push(p);
    }
    const clusterName = randomName("ipc-atlas-cluster");
    // With a token for clients, routes need a secret too: else anyone could join as a node.
    const routePassword = options.token ? randomBytes(24).toString("base64url") : undefined;
    const servers: ManagedServer[] = [];
    try {
      for (let i = 0; i < nodes; i++) {
        servers.push(
          await newServer(binary, {
            name: `${clusterName}-n${i + 1}`,
            jetstream: options.jetstream ?? false,
            port: -1,
            monitorPort: -1,
            clusterPort: clusterPorts[i] as number,
            clusterName,
            routes: clusterPorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`),
            extraArgs: [],
            readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
            token: options.token,
            tls: options.tls,
            routePassword,
          }),
        );
      }
      // Start all at once: with JetStream a node waits for its peers before it is ready.
      await Promise.all(servers.map((s) => s.start()));
      await waitForMesh(servers, options.jetstream ?? false, options.readyTimeoutMs ?? 15_000);
      let stopped = false;
      return {
        urls: servers.map((s) => s.url),
        servers,
        token: options.token,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await Promise.all(servers.map((s) => s.stop()));
        },
      };
    } catch (error) {
      await Promise.all(servers.map((s) => s.stop()));
      const portTaken =
        error instanceof NatsServerError && /address already in use/i.test(String(error.details?.log));
      if (!portTaken) throw error;
      lastLog = error.details?.log;
    }
  }
  throw new NatsServerError(
    `could not start a ${nodes}-node cluster: another program took one of its route ports before nats-server bound it, ${ROUTE_PORT_ATTEMPTS} times in a row`,
    "retry; if it keeps happening, something on this host is taking ephemeral ports fast (see details.log)",
    { log: lastLog },
  );
}

/** Polls /routez (and /jsz) on every node until the mesh is complete. */
async function waitForMesh(servers: ManagedServer[], jetstream: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const want = servers.length - 1;
  for (;;) {
    const states = await Promise.all(
      servers.map(async (s) => {
        const routez = (await monitorJson(`${s.monitorUrl}/routez`)) as { num_routes?: number } | undefined;
        let leader = true;
        if (jetstream) {
          const jsz = (await monitorJson(`${s.monitorUrl}/jsz`)) as
            | { meta_cluster?: { leader?: string } }
            | undefined;
          leader = Boolean(jsz?.meta_cluster?.leader);
        }
        return { name: s.name, routes: routez?.num_routes ?? 0, leader };
      }),
    );
    if (states.every((st) => st.routes >= want && st.leader)) return;
    if (Date.now() > deadline) {
      throw new NatsServerError(
        `the ${servers.length}-node cluster did not form within ${timeoutMs} ms`,
        "check the nodes' logs in details",
        { states, logs: servers.map((s) => s.log()) },
      );
    }
    await sleep(50);
  }
}

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
