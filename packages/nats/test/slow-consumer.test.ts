/**
 * Slow consumers. Core NATS never slows a publisher down for a subscriber: the server buffers
 * a little per subscriber (max_pending) and cuts off one that does not read its socket in time
 * ("slow consumer"), which then misses what is published meanwhile. These tests show that with
 * a real server, configured with a small max_pending and write_deadline so that it happens in
 * seconds: the publisher and the other subscribers carry on, the stuck one is cut off, and the
 * messages it lost are counted.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnConsumer } from "@ipc-atlas/core";
import { afterAll, describe, it } from "vitest";
import { liveNatsServers, natsProducer, newSubject, pubSubNatsOs, startNatsServer } from "../src/index.ts";
import { monitorJson } from "../src/monitor.ts";

const SIZE = 64 * 1024;

function sequenced(seq: number): Uint8Array {
  const m = Buffer.alloc(SIZE, seq & 0xff);
  m.writeUInt32BE(seq, 0);
  return m;
}

async function strictServer() {
  const dir = await mkdtemp(join(tmpdir(), "ipc-atlas-nats-conf-"));
  const conf = join(dir, "slow.conf");
  await writeFile(conf, 'max_pending: 1048576\nwrite_deadline: "500ms"\n');
  const server = await startNatsServer({ args: ["-c", conf] });
  return {
    server,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function slowConsumers(monitorUrl: string): Promise<number> {
  const varz = (await monitorJson(`${monitorUrl}/varz`)) as { slow_consumers?: number } | undefined;
  return varz?.slow_consumers ?? 0;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("slow consumers", () => {
  it("a subscriber that stops reading is cut off by the server; the publisher and a healthy subscriber carry on", async () => {
    const { server, stop } = await strictServer();
    const address = { servers: [server.url], subject: newSubject("slow") };
    const healthy = await spawnConsumer(pubSubNatsOs, address);
    // The stuck subscriber: a raw NATS client that subscribes and then never reads its socket.
    const stuck = tcpConnect({ host: "127.0.0.1", port: server.port });
    let stuckClosed = false;
    stuck.on("close", () => {
      stuckClosed = true;
    });
    stuck.on("error", () => {});
    try {
      await new Promise<void>((resolve) => {
        let seen = "";
        stuck.on("data", function onData(d: Buffer) {
          seen += d.toString("latin1");
          if (seen.includes("PONG")) {
            stuck.off("data", onData);
            stuck.pause(); // from now on nothing is read: the kernel buffers fill, then the server's
            resolve();
          }
        });
        stuck.write(`CONNECT {"verbose":false,"pedantic":false}\r\nSUB ${address.subject} 1\r\nPING\r\n`);
      });
      const producer = await natsProducer(address);
      const count = 400; // 25 MiB: more than the kernel's socket buffers and max_pending together
      const received: number[] = [];
      const receiving = (async () => {
        for await (const m of healthy) received.push(Buffer.from(m).readUInt32BE(0));
      })();
      const started = Date.now();
      for (let seq = 0; seq < count; seq++) await producer.send(sequenced(seq));
      await producer.close();
      const publishMs = Date.now() - started;
      await receiving;
      await waitFor(
        "the server cutting the stuck subscriber off",
        async () => stuckClosed || (await slowConsumers(server.monitorUrl)) > 0,
      );
      const cut = await slowConsumers(server.monitorUrl);
      console.log(
        `[stuck subscriber] published ${count} × 64 KiB in ${publishMs} ms; healthy subscriber received ${received.length}; ` +
          `server counted ${cut} slow consumer(s)`,
      );
      assert.ok(cut >= 1, "the server reports the stuck subscriber as a slow consumer");
      assert.deepEqual(
        received,
        Array.from({ length: count }, (_, i) => i),
        "the healthy subscriber got everything, in order",
      );
    } finally {
      stuck.destroy();
      await healthy.dispose();
      await stop();
    }
  });

  it("a subscriber process that is stopped (SIGSTOP) is cut off, reconnects after SIGCONT, and its losses are counted", async () => {
    const { server, stop } = await strictServer();
    const address = { servers: [server.url], subject: newSubject("slow") };
    const consumer = await spawnConsumer(pubSubNatsOs, address);
    try {
      const producer = await natsProducer(address);
      const received: number[] = [];
      const receiving = (async () => {
        for await (const m of consumer) received.push(Buffer.from(m).readUInt32BE(0));
      })();
      const count = 600;
      for (let seq = 0; seq < count; seq++) {
        if (seq === 100) process.kill(consumer.pid, "SIGSTOP");
        await producer.send(sequenced(seq));
      }
      await producer.flush();
      await waitFor(
        "the server cutting the stopped subscriber off",
        async () => (await slowConsumers(server.monitorUrl)) > 0,
      );
      process.kill(consumer.pid, "SIGCONT");
      await waitFor("the subscriber reconnecting and subscribing again", async () => {
        const connz = (await monitorJson(`${server.monitorUrl}/connz?subs=1`)) as {
          connections?: Array<{ subscriptions_list?: string[] }>;
        };
        return (connz?.connections ?? []).some((c) => c.subscriptions_list?.includes(address.subject));
      });
      const after = 50;
      for (let seq = count; seq < count + after; seq++) await producer.send(sequenced(seq));
      await producer.close();
      await receiving;
      const total = count + after;
      const lost = total - received.length;
      console.log(
        `[stopped subscriber] published ${total}; received ${received.length}; lost while cut off ${lost}; ` +
          `the last ${after} (published after it came back) arrived: ${received.slice(-after).every((s, i) => s === count + i)}`,
      );
      assert.equal(new Set(received).size, received.length, "no duplicates");
      assert.ok(
        received.every((s, i) => i === 0 || s > received[i - 1]!),
        "in order",
      );
      assert.ok(lost > 0, "being cut off loses messages: core NATS is at-most-once");
      assert.deepEqual(
        received.slice(0, 100),
        Array.from({ length: 100 }, (_, i) => i),
        "everything before the stop arrived",
      );
      assert.deepEqual(
        received.slice(-after),
        Array.from({ length: after }, (_, i) => count + i),
        "everything published after the reconnect arrived",
      );
    } finally {
      try {
        process.kill(consumer.pid, "SIGCONT");
      } catch {}
      await consumer.dispose();
      await stop();
    }
  });
});

afterAll(() => {
  assert.deepEqual(liveNatsServers(), [], "no nats-server started here is still running");
});
