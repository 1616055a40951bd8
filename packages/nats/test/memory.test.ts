/**
 * The producer's memory stays bounded while a subscriber does not read, measured after a full
 * GC in the producer's process. This is the claim behind the conformance case "a consumer that
 * does not read keeps the producer's memory bounded", measured so that uncollected garbage does
 * not count (that case measures RSS without a GC; see the README's "Known failure").
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { spawnConsumer, tsxLoader } from "@ipc-atlas/core";
import { afterAll, it } from "vitest";
import { liveNatsServers, newSubject, pubSubNatsOs, startNatsServer, WINDOW_BYTES } from "../src/index.ts";

const run = promisify(execFile);
const COUNT = 1024; // 64 MiB of 64 KiB messages, as in the conformance case

it(`a producer sending 64 MiB to a subscriber that does not read keeps less than 8 MiB more alive (window ${WINDOW_BYTES / 2 ** 20} MiB), and nothing is lost`, async () => {
  const server = await startNatsServer();
  const address = { servers: [server.url], subject: newSubject("memory") };
  const consumer = await spawnConsumer(pubSubNatsOs, address);
  try {
    // The consumer takes nothing until the producer is done.
    const script = fileURLToPath(new URL("./fixtures/memory-producer.ts", import.meta.url));
    const { stdout } = await run(process.execPath, [
      "--expose-gc",
      "--import",
      tsxLoader,
      script,
      JSON.stringify(address),
      String(COUNT),
    ]);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
      peakLiveGrowth: number;
      peakRssGrowth: number;
    };
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    console.log(
      `[producer memory] 64 MiB sent to a subscriber that did not read; after GC the producer held at most ` +
        `${mib(result.peakLiveGrowth)} more (heap + ArrayBuffers); RSS peak growth ${mib(result.peakRssGrowth)}`,
    );
    assert.ok(result.peakLiveGrowth < 8 * 2 ** 20, `the producer keeps ${mib(result.peakLiveGrowth)} alive`);
    let expected = 0;
    for await (const message of consumer) {
      assert.equal(Buffer.from(message).readUInt32BE(0), expected);
      expected++;
    }
    assert.equal(expected, COUNT, "the subscriber got every message, in order");
  } finally {
    await consumer.dispose();
    await server.stop();
  }
});

afterAll(() => {
  assert.deepEqual(liveNatsServers(), [], "no nats-server started here is still running");
});
