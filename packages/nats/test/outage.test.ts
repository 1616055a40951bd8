/**
 * Core NATS through a server outage (issue 8, item 9): nats-server restarts — gracefully, and
 * after a crash — in the middle of a stream. Both clients reconnect and the stream goes on; core
 * NATS is at-most-once, so messages in flight during the outage may be lost. The test counts
 * them from the sequence numbers, prints the figure, asserts that the publisher reported at
 * least as many in doubt, and that what did arrive came once and in order. The producer runs
 * here (to read its own counters), the consumer in a separate process.
 */

import assert from "node:assert/strict";
import { spawnConsumer } from "@ipc-atlas/core";
import { afterAll, describe, it } from "vitest";
import { liveNatsServers, natsProducer, newSubject, pubSubNatsOs, startNatsServer } from "../src/index.ts";
import { monitorJson } from "../src/monitor.ts";

const N = 5000;
const OUTAGE_AT = 2000;

function sequenced(seq: number): Uint8Array {
  const m = Buffer.alloc(64, seq & 0xff);
  m.writeUInt32BE(seq, 0);
  return m;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("core NATS through a server outage", () => {
  for (const kind of ["graceful restart", "crash (SIGKILL) and start"] as const) {
    it(`${kind} mid-stream: clients reconnect, messages lost in the outage are counted, the rest arrive once and in order`, async () => {
      const server = await startNatsServer();
      const address = { servers: [server.url], subject: newSubject("outage") };
      const consumer = await spawnConsumer(pubSubNatsOs, address);
      try {
        const producer = await natsProducer(address);
        const received: number[] = [];
        const receiving = (async () => {
          for await (const m of consumer) received.push(Buffer.from(m).readUInt32BE(0));
        })();
        const resubscribed = async () => {
          const connz = (await monitorJson(`${server.monitorUrl}/connz?subs=1`)) as {
            connections?: Array<{ subscriptions_list?: string[] }>;
          };
          return (connz?.connections ?? []).some((c) => c.subscriptions_list?.includes(address.subject));
        };
        for (let seq = 0; seq < N; seq++) {
          if (seq === OUTAGE_AT) {
            // The outage hits with the last published messages still unconfirmed (in doubt). The
            // stream resumes once the subscriber is back, so that nothing is published to a subject
            // nobody listens on: then every message the consumer misses must be one in doubt.
            if (kind === "graceful restart") await server.restart({ downMs: 300 });
            else {
              server.kill("SIGKILL");
              await new Promise((r) => setTimeout(r, 300));
              await server.start();
            }
            await waitFor("the subscriber resubscribing", resubscribed);
          }
          // Sends wait while the publisher is disconnected, then resume. A pause now and then
          // lets the event loop run, as in a program that does other work between publishes
          // (a tight loop of small sends resolves in microtasks and would never let the restart run).
          await producer.send(sequenced(seq));
          if (seq % 20 === 0) await new Promise((r) => setTimeout(r, 1));
        }
        const stats = producer.stats();
        await producer.close();
        await receiving;

        const unique = new Set(received);
        const lost = N - unique.size;
        const firstGap = received.findIndex((seq, i) => seq !== i);
        console.log(
          `[${kind}] sent ${N}, received ${received.length}, lost in the outage ${lost} ` +
            `(${((100 * lost) / N).toFixed(2)} %); first missing #${firstGap === -1 ? "none" : firstGap}; ` +
            `publisher: ${stats.disconnects} disconnect(s), ${stats.inDoubt} message(s) in doubt when it dropped`,
        );
        assert.equal(unique.size, received.length, "no message arrived twice");
        assert.ok(
          received.every((seq, i) => i === 0 || seq > received[i - 1]!),
          "messages arrive in publish order",
        );
        assert.ok(stats.disconnects >= 1, "the publisher saw the outage");
        assert.equal(received.at(-1), N - 1, "the stream went on after the outage: the last message arrived");
        // The library's own account: a message the consumer missed is one the publisher
        // reported in doubt (published, then the connection dropped before the server confirmed it).
        assert.ok(
          lost <= stats.inDoubt,
          `${lost} message(s) missed by the consumer, but the publisher reported only ${stats.inDoubt} in doubt`,
        );
        // Everything before the outage started was delivered: losses are the outage's.
        if (lost > 0)
          assert.ok(firstGap >= OUTAGE_AT - 1200, `losses begin near the outage (first gap #${firstGap})`);
      } finally {
        await consumer.dispose();
        await server.stop();
      }
    });
  }
});

afterAll(() => {
  assert.deepEqual(liveNatsServers(), [], "no nats-server started here is still running");
});
