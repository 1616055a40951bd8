/**
 * The JetStream queue losing a node, measured and narrated: on a three-node JetStream cluster
 * a work-queue stream keeps three replicas; a producer process sends numbered messages, a
 * consumer process takes and acks them, and about a quarter of the way in a node is killed
 * with SIGKILL — the stream's leader (found from the stream's cluster info), or the node the
 * consumer is attached to. Both carry on once a new leader is elected. The books at the end:
 * every acknowledged send delivered, duplicates only as redeliveries the consumer was told
 * about, the longest time each side went without progress; then the dead node is restarted
 * and catches up with the stream.
 *
 *   node --import tsx packages/message-queue/examples/demo-jetstream-failover.ts [stream-leader|consumer-node]
 */

import { type ChildHandle, childReady, type Narrator, spawnScript } from "@ipc-atlas/core";
import { type JetStreamCluster, type NatsServer, startJetStreamCluster } from "@ipc-atlas/nats";
import { addressEnv, sleep } from "./connection.ts";
import { JetStreamQueue } from "./queue.ts";

export type FailoverTarget = "stream-leader" | "consumer-node";

export interface FailoverOptions {
  /** Which node dies: the stream's leader, or the node the consumer process is attached to. */
  kill: FailoverTarget;
  /** Messages the producer sends. Default 20,000. */
  messages?: number;
  narrator?: Narrator;
}

export interface FailoverReport {
  messages: number;
  killed: { node: string; wasStreamLeader: boolean; wasConsumerLeader: boolean; atAcked: number };
  /** The node that leads the stream after the kill, and how long after the kill it was seen leading. */
  newLeader: { node: string; afterSeconds: number };
  producer: {
    acked: number;
    failed: number;
    longestGapSeconds: number;
    resent: number;
    fences: number;
    reordered: number;
  };
  consumer: {
    distinct: number;
    /** Acknowledged sends never delivered. */
    lost: number;
    /** Messages delivered again with the redelivered flag: the application was told and counted them. */
    redelivered: number;
    /** Messages delivered again without the flag. */
    unannounced: number;
    outOfOrder: number;
    ackFailures: number;
    longestGapSeconds: number;
  };
  /** Seconds from the dead node's restart (three quarters of the way) until its copy ended where the leader's does. */
  catchUpSeconds: number;
  /**
   * Messages the restarted node still holds that were acked while it was down: nats-server 2.9
   * catches the stream up but was seen not to remove those from a work-queue replica.
   */
  staleOnRestarted: number;
}

interface ProducerDone {
  acked: number;
  /** The numbers of the sends that failed (the producer was told; they may or may not be stored). */
  failed: number[];
  longestGapMs: number;
  resent: number;
  fences: number;
  reordered: number;
}
interface ConsumerDone {
  distinct: number;
  redelivered: number;
  unannounced: number;
  outOfOrder: number;
  ackFailures: number;
  missing: number[];
  longestGapMs: number;
}

const quiet: Narrator = { say: () => {}, note: () => {} };

function done<T>(child: ChildHandle, role: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.process.on("message", (m: { done?: T }) => m?.done && resolve(m.done));
    void child.exited.then((code) =>
      reject(new Error(`the ${role} process exited (${code}) before its report`)),
    );
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

/** Runs the failover on a cluster of its own and returns the books; everything is removed afterwards. */
export async function runFailover(options: FailoverOptions): Promise<FailoverReport> {
  const narrator = options.narrator ?? quiet;
  const messages = options.messages ?? 20_000;
  const cluster: JetStreamCluster = await startJetStreamCluster();
  const children: ChildHandle[] = [];
  try {
    narrator.say(
      "cluster",
      "START",
      `3 JetStream nodes (${cluster.servers.map((s) => s.name).join(", ")}), meta leader elected`,
    );
    // Three servers: the stream and its consumer keep 3 replicas.
    const queue = await JetStreamQueue.open({ servers: cluster.urls });
    try {
      const { stream, consumer } = queue.address;
      const streamLeader = await until("a stream leader", () => cluster.leaderOf(stream), 10_000);
      const consumerLeader = await until(
        "a consumer leader",
        () => cluster.leaderOf(stream, consumer),
        10_000,
      );
      narrator.say(
        "queue",
        "OPEN",
        `stream ${stream}, ${queue.replicas} replicas; stream leader ${streamLeader.name}, consumer leader ${consumerLeader.name}`,
      );
      const target: NatsServer =
        options.kill === "stream-leader"
          ? streamLeader
          : consumerLeader !== streamLeader
            ? consumerLeader
            : cluster.servers.find((s) => s !== streamLeader)!;
      // The consumer-node case attaches the consumer to the node that will die (it learns the others).
      const consumerAddress =
        options.kill === "consumer-node" ? { ...queue.address, servers: [target.url] } : queue.address;
      const consumerChild = spawnScript(
        new URL("../../examples/07-jetstream-failover-consumer.ts", import.meta.url),
        {
          env: addressEnv(consumerAddress),
          args: [String(messages)],
        },
      );
      children.push(consumerChild);
      const consumed = done<ConsumerDone>(consumerChild, "consumer");
      await childReady(consumerChild, "the consumer");
      narrator.say(
        "consumer",
        "READY",
        `attached through ${consumerAddress.servers.length === 1 ? target.name : "any node"}`,
      );

      const producerChild = spawnScript(
        new URL("../../examples/06-jetstream-failover-producer.ts", import.meta.url),
        {
          env: addressEnv(queue.address),
          args: [String(messages)],
        },
      );
      children.push(producerChild);
      const produced = done<ProducerDone>(producerChild, "producer");
      narrator.say("producer", "SEND", `${messages} numbered messages, up to 256 pending, pipelined`);

      // About a quarter of the way: SIGKILL, then wait for a new stream leader.
      let killedAt = 0;
      const killed = new Promise<number>((resolve) => {
        producerChild.process.on("message", (m: { progress?: { acked: number } }) => {
          if (killedAt || !m?.progress || m.progress.acked < messages / 4) return;
          killedAt = Date.now();
          target.kill("SIGKILL");
          resolve(m.progress.acked);
        });
      });
      const atAcked = await killed;
      const roles = [
        target === streamLeader && "stream leader",
        target === consumerLeader && "consumer leader",
      ].filter(Boolean);
      narrator.say(
        "demo",
        "KILL -9",
        `${target.name} (${roles.length ? roles.join(" and ") : "the consumer's node"}) after ${atAcked} acknowledged sends`,
      );
      const successor = await until(
        "a new stream leader",
        async () => {
          const now = await cluster.leaderOf(stream);
          return now && now !== target ? now : undefined;
        },
        60_000,
      );
      const newLeader = { node: successor.name, afterSeconds: (Date.now() - killedAt) / 1000 };
      narrator.say(
        "cluster",
        "LEADER",
        `${successor.name} leads the stream, ${newLeader.afterSeconds.toFixed(1)} s after the kill`,
      );

      // Three quarters of the way, while the queue is busy, the dead node comes back on its port
      // and store directory and catches up from the leader.
      let restartedAt = 0;
      const restarted = new Promise<void>((resolve, reject) => {
        const restart = () => {
          restartedAt = Date.now();
          target.start().then(() => {
            narrator.say("cluster", "RESTART", `${target.name} starts again on its store directory`);
            resolve();
          }, reject);
        };
        producerChild.process.on("message", (m: { progress?: { acked: number } }) => {
          if (!restartedAt && m?.progress && m.progress.acked >= (messages * 3) / 4) restart();
        });
        void produced.then(() => !restartedAt && restart(), reject);
      });

      const [p, c] = await Promise.all([produced, consumed, restarted]);
      narrator.say(
        "producer",
        "DONE",
        `${p.acked} acknowledged, ${p.failed.length} failed; ${p.resent} resent in order after ${p.fences} fence(s); longest wait for an ack ${(p.longestGapMs / 1000).toFixed(2)} s`,
      );
      narrator.say(
        "consumer",
        "DONE",
        `${c.distinct} distinct, ${c.redelivered} redelivered (flagged, counted), ${c.unannounced} unannounced duplicates; longest wait for a message ${(c.longestGapMs / 1000).toFixed(2)} s`,
      );
      // Caught up: the restarted node's copy ends at the leader's last message.
      const copies = await until(
        `${target.name} catching up`,
        async () => {
          const leader = await cluster.leaderOf(stream);
          if (!leader || leader === target) return undefined;
          const [theirs, mine] = await Promise.all([
            cluster.streamOn(leader, stream),
            cluster.streamOn(target, stream),
          ]);
          return theirs && mine && mine.lastSeq === theirs.lastSeq ? { theirs, mine } : undefined;
        },
        60_000,
      );
      const catchUpSeconds = (Date.now() - restartedAt) / 1000;
      // Seen with nats-server 2.9: messages acked while the node was down stay in its copy.
      const stale = copies.mine.messages - copies.theirs.messages;
      narrator.say(
        "cluster",
        "CAUGHT UP",
        `${target.name}'s copy ends at stream message ${copies.mine.lastSeq} like the leader's, ${catchUpSeconds.toFixed(1)} s after its restart` +
          (stale > 0 ? `; it still holds ${stale} messages acked while it was down` : ""),
      );

      // Lost: acknowledged and never delivered (a failed send the producer was told about is not).
      const failed = new Set(p.failed);
      const lost = c.missing.filter((seq) => !failed.has(seq)).length;
      narrator.say(
        "demo",
        "COUNT",
        `${messages} sent, ${p.acked} acknowledged, ${c.distinct} delivered, ${lost} lost, ${c.unannounced} unannounced duplicates`,
      );
      return {
        messages,
        killed: {
          node: target.name,
          wasStreamLeader: target === streamLeader,
          wasConsumerLeader: target === consumerLeader,
          atAcked,
        },
        newLeader,
        producer: {
          acked: p.acked,
          failed: p.failed.length,
          longestGapSeconds: p.longestGapMs / 1000,
          resent: p.resent,
          fences: p.fences,
          reordered: p.reordered,
        },
        consumer: {
          distinct: c.distinct,
          lost,
          redelivered: c.redelivered,
          unannounced: c.unannounced,
          outOfOrder: c.outOfOrder,
          ackFailures: c.ackFailures,
          longestGapSeconds: c.longestGapMs / 1000,
        },
        catchUpSeconds,
        staleOnRestarted: stale,
      };
    } finally {
      await queue.close();
    }
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await cluster.stop();
  }
}
