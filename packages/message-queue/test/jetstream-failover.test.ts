/**
 * Failover on a three-node JetStream cluster, measured: a producer process sends 20,000
 * numbered messages, a consumer process takes and acks them, and a quarter of the way in a
 * node dies by SIGKILL — the stream's leader, or the node the consumer is attached to. Both
 * carry on once a new leader is elected: every acknowledged send is delivered, the only
 * duplicates are redeliveries the consumer was told about, the time without progress is
 * reported, and the dead node, restarted, catches up. The cluster and its directories are gone
 * afterwards (the launcher's own test checks that in detail).
 */

import { liveNatsServers } from "@ipc-atlas/nats";
import { expect, it } from "vitest";
import { type FailoverTarget, runFailover } from "../src/jetstream/demo-failover.ts";

for (const kill of ["stream-leader", "consumer-node"] as FailoverTarget[]) {
  it(`${kill} killed with SIGKILL at a quarter of 20,000 messages: 0 acknowledged sends lost, duplicates only as counted redeliveries, the node catches up`, async () => {
    const lines: string[] = [];
    const report = await runFailover({
      kill,
      narrator: {
        say: (actor, event, detail) => lines.push(`${actor} ${event} ${detail ?? ""}`),
        note: () => {},
      },
    });
    console.log(`${kill}: ${JSON.stringify(report)}`);
    expect(report.killed.wasStreamLeader).toBe(kill === "stream-leader");
    expect(report.killed.atAcked).toBeGreaterThanOrEqual(5000);
    expect(report.killed.atAcked).toBeLessThan(20_000);
    expect(report.newLeader.node).not.toBe(report.killed.node);
    // The producer was told about every send: stored (acknowledged) or failed.
    expect(report.producer.acked + report.producer.failed).toBe(20_000);
    expect(report.producer.reordered).toBe(0);
    expect(report.consumer.lost).toBe(0);
    expect(report.consumer.distinct).toBeGreaterThanOrEqual(report.producer.acked);
    expect(report.consumer.unannounced).toBe(0);
    expect(report.consumer.outOfOrder).toBe(0);
    // A node died: someone waited for it, and the report says how long.
    expect(Math.max(report.producer.longestGapSeconds, report.consumer.longestGapSeconds)).toBeGreaterThan(
      0.5,
    );
    expect(report.catchUpSeconds).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith("demo KILL -9"))).toBe(true);
    expect(lines.find((l) => l.startsWith("demo COUNT"))).toMatch(/, 0 lost, 0 unannounced duplicates/);
    expect(liveNatsServers()).toEqual([]);
  }, 240_000);
}
