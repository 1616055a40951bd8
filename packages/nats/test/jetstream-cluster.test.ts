/**
 * The three-node JetStream cluster launcher: named nodes under one cluster name, each with its
 * own store directory and ephemeral ports, ready once JetStream has a meta leader; a stream on
 * it keeps three replicas and its leader can be found (and killed, and restarted to catch up).
 * Nothing is left behind: not after stop(), and not when the program that started it dies by
 * an uncaught exception, SIGTERM or SIGKILL.
 */

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { spawnScript } from "@ipc-atlas/core";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, it } from "vitest";
import { liveNatsServers, monitorJson, startJetStreamCluster } from "../src/index.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("startJetStreamCluster", () => {
  it("starts three named JetStream nodes with a meta leader; an R3 stream's leader is found, killed, replaced, and catches up after a restart; stop() leaves nothing", async () => {
    const cluster = await startJetStreamCluster();
    const leftovers = cluster.servers.map((s) => ({ pid: s.pid, dir: dirname(s.storeDir!) }));
    try {
      assert.equal(cluster.servers.length, 3);
      assert.equal(new Set(cluster.servers.map((s) => s.name)).size, 3);
      assert.equal(new Set(cluster.servers.map((s) => s.storeDir)).size, 3);
      for (const s of cluster.servers) {
        const varz = (await monitorJson(`${s.monitorUrl}/varz`)) as {
          server_name: string;
          cluster: { name: string; urls?: string[] };
          jetstream: { config: { store_dir: string } };
        };
        assert.equal(varz.server_name, s.name);
        assert.equal(varz.cluster.name, cluster.name);
        // nats-server keeps its files in a "jetstream" folder under the store directory given.
        assert.ok(varz.jetstream.config.store_dir.startsWith(s.storeDir!));
      }
      assert.ok(await cluster.metaLeader(), "a meta leader");

      const nc = await connect({ servers: cluster.urls });
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.add({ name: "orders", subjects: ["orders"], num_replicas: 3 });
        assert.equal(info.config.num_replicas, 3);
        const js = jsm.jetstream();
        for (let i = 0; i < 100; i++) await js.publish("orders", new Uint8Array([i]));
        let leader = await cluster.leaderOf("orders");
        assert.equal(leader?.name, info.cluster?.leader);

        // Kill the leader: another node takes over and the stream still takes messages.
        leader!.kill("SIGKILL");
        await waitFor(
          "a new stream leader",
          async () => {
            const now = await cluster.leaderOf("orders");
            return now !== undefined && now !== leader;
          },
          30_000,
        );
        for (let i = 0; i < 100; i++) await js.publish("orders", new Uint8Array([i]), { timeout: 10_000 });

        // Restart the dead node: it catches up with the 200 messages.
        await leader!.start();
        await waitFor(
          "the restarted node to catch up",
          async () => {
            const jsz = (await monitorJson(`${leader!.monitorUrl}/jsz?accounts=true&streams=true`)) as {
              account_details?: Array<{
                stream_detail?: Array<{ name: string; state: { messages: number } }>;
              }>;
            };
            const stream = jsz?.account_details
              ?.flatMap((a) => a.stream_detail ?? [])
              .find((s) => s.name === "orders");
            return stream?.state.messages === 200;
          },
          30_000,
        );
        leader = undefined;
      } finally {
        await nc.close();
      }
    } finally {
      await cluster.stop();
    }
    await cluster.stop(); // idempotent
    for (const { pid, dir } of leftovers) {
      assert.equal(alive(pid), false, `server ${pid} still runs`);
      assert.equal(existsSync(dir), false, `${dir} still exists`);
      assert.ok(!liveNatsServers().includes(pid));
    }
  }, 120_000);

  for (const [how, signal] of [
    ["an uncaught exception", undefined],
    ["SIGTERM", "SIGTERM"],
    ["SIGKILL", "SIGKILL"],
  ] as const) {
    it(`leaves no server or directory behind when its program dies by ${how}`, async () => {
      const owner = spawnScript(new URL("./fixtures/jetstream-cluster-owner.ts", import.meta.url), {
        args: [signal ? "wait" : "throw"],
        stdio: "pipe",
      });
      try {
        const servers = await new Promise<Array<{ pid: number; dir: string }>>((resolve, reject) => {
          owner.process.on("message", (m: { servers?: Array<{ pid: number; dir: string }> }) => {
            if (m?.servers) resolve(m.servers);
          });
          void owner.exited.then((code) =>
            reject(new Error(`the owner exited (${code}) before it reported`)),
          );
        });
        assert.equal(servers.length, 3);
        for (const { pid, dir } of servers) assert.ok(alive(pid) && existsSync(dir));
        if (signal) owner.kill(signal);
        else owner.process.send({ go: true });
        const code = await owner.exited;
        assert.notEqual(code, 0);
        // An exit hook cleans up at once; after SIGKILL the watchdogs do, within seconds.
        await waitFor(
          "every server gone and every directory removed",
          () => servers.every(({ pid, dir }) => !alive(pid) && !existsSync(dir)),
          20_000,
        );
      } finally {
        owner.kill("SIGKILL");
      }
    }, 60_000);
  }
});
