/**
 * The flood bench's consumer process: a grpc-network consumer (GrpcConsumer.serve on its own
 * listener) with a token, which takes nothing. argv: token, maxWaiting. Sends { ready, port,
 * memory } once serving, and { memory } (after a full garbage collection when asked { gc }).
 */

import { createServer } from "node:net";
import { getHeapSpaceStatistics } from "node:v8";
import { listen, retainedBytes } from "@ipc-atlas/core";
import { GrpcConsumer } from "../src/index.ts";

const [token, maxWaiting] = process.argv.slice(2);
const listener = createServer();
const port = await listen(listener, "127.0.0.1", 0);
GrpcConsumer.serve(listener, `127.0.0.1:${port}`, { token: token!, maxWaiting: Number(maxWaiting) });

const MiB = 2 ** 20;
/** Resident set, the V8 heap and its two big spaces, and memory outside the heap, in MiB. */
function memory(): Record<string, number> {
  const usage = process.memoryUsage();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics()
      .filter((s) => s.space_name === "new_space" || s.space_name === "old_space")
      .map((s) => [s.space_name, s.space_size / MiB]),
  );
  return {
    rss: usage.rss / MiB,
    heapTotal: usage.heapTotal / MiB,
    heapUsed: usage.heapUsed / MiB,
    ...spaces,
    external: usage.external / MiB,
  };
}

process.send?.({ ready: true, port, memory: memory() });
process.on("message", (m: { gc?: boolean }) => {
  if (m?.gc) void retainedBytes().then(() => process.send?.({ memory: memory() }));
  else process.send?.({ memory: memory() });
});
process.on("disconnect", () => process.exit(0));
