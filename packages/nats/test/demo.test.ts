/**
 * The narrated demos show what their pages claim: through nats-server, every subscriber on a
 * subject gets each message (fan-out); a message published while nobody subscribes is gone;
 * members of a queue group share the messages, each to one member; across a cluster, node A
 * routes each message (and END) once to each node with a subscriber. No process is left behind.
 */

import { liveChildren, type Narrator, recordingNarrator } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { pubSubNatsNetwork, pubSubNatsOs } from "../src/index.ts";

async function run(demo: (narrator: Narrator) => Promise<void>): Promise<string[]> {
  const narrator = recordingNarrator();
  await demo(narrator);
  return narrator.lines;
}

/** What `actor` says it received: the quoted texts of its RECEIVED line(s). */
function received(lines: string[], actor: string): string[] {
  const said = lines.filter((l) => l.startsWith(`${actor} RECEIVED `));
  expect(said.length, `${actor} narrated what it received:\n${lines.join("\n")}`).toBeGreaterThan(0);
  return said.flatMap((line) => [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!));
}

it("pub-sub-nats-os: fan-out, a message lost to nobody, a queue group", { timeout: 120_000 }, async () => {
  const lines = await run(pubSubNatsOs.demo!);
  const fanOut = ["#1 hello", "#2 one publish", "#3 two copies"];
  expect(received(lines, "subscriber A")).toEqual(fanOut);
  expect(received(lines, "subscriber B")).toEqual(fanOut);
  // Published before C subscribed: the server counted it in and delivered it to nobody.
  expect(lines).toContain(
    "nats-server DROPPED #1 and its END: no subscription (messages in +2, delivered +0)",
  );
  expect(received(lines, "subscriber C")).toEqual(["#2 now someone listens"]);
  // The queue group: every job to exactly one member (the server picks; one may get none).
  const jobs = lines.filter((l) => /^worker [12] RECEIVED /.test(l)).map((l) => /"(job #\d)"/.exec(l)?.[1]);
  expect(jobs.sort()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `job #${i}`));
  expect(liveChildren()).toEqual([]);
});

it("pub-sub-nats-network: one publish on node A reaches subscribers on B and C over the routes", {
  timeout: 120_000,
}, async () => {
  const lines = await run(pubSubNatsNetwork.demo!);
  const sent = ["#1 from node A", "#2 across routes", "#3 to B and C"];
  expect(received(lines, "subscriber on B")).toEqual(sent);
  expect(received(lines, "subscriber on C")).toEqual(sent);
  // At least the 3 messages and END to each node; the servers' own system events may add a few.
  const routed = /to node B: (\d+), to node C: (\d+) /.exec(
    lines.find((l) => l.startsWith("node A ROUTED"))!,
  );
  for (const count of [routed?.[1], routed?.[2]].map(Number)) {
    expect(count).toBeGreaterThanOrEqual(4);
    expect(count).toBeLessThan(10);
  }
  expect(liveChildren()).toEqual([]);
});
