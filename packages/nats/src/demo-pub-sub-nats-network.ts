/**
 * The pub-sub-nats-network demo: a 3-node cluster, a publisher process on node A, subscriber
 * processes on nodes B and C; every message crosses a route between servers.
 */

import { type Narrator, newToken, redactUrl } from "@ipc-atlas/core";
import { startNatsCluster } from "./cluster.ts";
import { type NatsAddress, newSubject } from "./connection.ts";
import {
  type PublisherProcess,
  type SubscriberProcess,
  startPublisher,
  startSubscriber,
} from "./demo-support.ts";
import { monitorJson } from "./monitor.ts";
import { natsUrlsFromEnv } from "./server.ts";

interface Routez {
  routes?: Array<{ remote_id?: string; out_msgs?: number }>;
}

export async function runNetworkDemo(narrator: Narrator): Promise<void> {
  narrator.note(
    "A NATS cluster: three nats-servers, each with a route (a TCP connection) to the others. A client connects to any node; the nodes forward each message over the routes to the nodes that have subscribers for it.",
  );
  const existing = natsUrlsFromEnv();
  // Our own cluster requires a token of clients and a password of routes (config files, not argv).
  const cluster = existing ? undefined : await startNatsCluster({ nodes: 3, token: newToken() });
  const auth = cluster?.token ? { token: cluster.token } : {};
  const urls = existing ?? cluster!.urls;
  const [nodeA, nodeB = nodeA, nodeC = nodeB] = urls as [string, ...string[]];
  if (cluster) {
    cluster.servers.forEach((s, i) => {
      narrator.say(`node ${"ABC"[i]}`, "STARTED", `${s.url}, routes on ${s.clusterUrl}`);
    });
    narrator.say("cluster", "ROUTES UP", "A-B, A-C, B-C (checked on each node's /routez)");
  } else {
    narrator.say("cluster", "EXISTING", `${urls.map(redactUrl).join(", ")} (from NATS_URL)`);
  }
  const subject = newSubject("demo");
  const started: SubscriberProcess[] = [];
  let publisher: PublisherProcess | undefined;
  try {
    narrator.note(
      "Subscribers on nodes B and C. Each waits until node A has learnt its interest over the routes (a probe published on A came back).",
    );
    const on = (node: string): NatsAddress => ({
      servers: [nodeA],
      subscribeServers: [node],
      subject,
      ...auth,
    });
    publisher = startPublisher(narrator, { servers: [nodeA], subject, ...auth }, [
      "#1 from node A",
      "#2 across routes",
      "#3 to B and C",
    ]);
    started.push(
      ...(await Promise.all([
        startSubscriber(narrator, on(nodeB), "subscriber on B"),
        startSubscriber(narrator, on(nodeC), "subscriber on C"),
      ])),
    );
    await publisher.connected; // what A routes from here on is the publisher's
    const before = cluster ? await routedOut(cluster.servers[0]!.monitorUrl, cluster) : undefined;
    await publisher.publish();
    await Promise.all(started.map((s) => s.done));
    if (cluster && before) {
      const after = await routedOut(cluster.servers[0]!.monitorUrl, cluster);
      const moved = Object.keys(after)
        .sort()
        .map((node) => `to ${node}: ${after[node]! - (before[node] ?? 0)}`)
        .join(", ");
      // The servers' own system events ($SYS) cross the routes as well, at times of their own.
      narrator.say(
        "node A",
        "ROUTED",
        `messages it sent over its routes meanwhile: ${moved} (the 3 messages and END, 4 to each, and any system events of the servers)`,
      );
    }
  } finally {
    for (const sub of started) sub.child.kill("SIGKILL");
    publisher?.child.kill("SIGKILL");
    if (cluster) {
      await cluster.stop();
      narrator.say("cluster", "STOPPED", "three servers, their temporary directories removed");
    }
  }
}

/** Messages node A sent over each route, by remote node letter. */
async function routedOut(
  monitorUrl: string,
  cluster: { servers: Array<{ monitorUrl: string }> },
): Promise<Record<string, number>> {
  const ids = await Promise.all(
    cluster.servers.map(
      async (s) => ((await monitorJson(`${s.monitorUrl}/varz`)) as { server_id?: string })?.server_id,
    ),
  );
  const routez = (await monitorJson(`${monitorUrl}/routez`)) as Routez | undefined;
  const out: Record<string, number> = {};
  for (const route of routez?.routes ?? []) {
    const index = ids.indexOf(route.remote_id);
    if (index > 0) out[`node ${"ABC"[index]}`] = (out[`node ${"ABC"[index]}`] ?? 0) + (route.out_msgs ?? 0);
  }
  return out;
}
