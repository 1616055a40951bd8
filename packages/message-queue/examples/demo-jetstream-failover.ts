/**
 * Runs the JetStream failover demo in this terminal: a three-node cluster loses a node to
 * SIGKILL while a producer process and a consumer process carry on, and the books at the end.
 *
 *   node --import tsx packages/message-queue/examples/demo-jetstream-failover.ts [stream-leader|consumer-node] [messages]
 */

import { consoleNarrator } from "@ipc-atlas/core";
import { type FailoverTarget, runFailover } from "../src/jetstream/demo-failover.ts";

const kill = (process.argv[2] ?? "stream-leader") as FailoverTarget;
if (kill !== "stream-leader" && kill !== "consumer-node") {
  console.error(`unknown target ${kill}: pass stream-leader or consumer-node`);
  process.exit(2);
}
const report = await runFailover({
  kill,
  messages: Number(process.argv[3] ?? 20_000),
  narrator: consoleNarrator(),
});
console.log(JSON.stringify(report, null, 2));
