/**
 * Memory a process keeps alive, for checks that a producer does not buffer without bound.
 * Resident set size is the wrong measure for that: garbage not yet collected (every message
 * that merely passed through) counts in it, and V8 keeps freed pages. So this collects garbage
 * fully, then counts what is still reachable: the JavaScript heap plus memory outside it
 * (Buffers and ArrayBuffers), which is where queued messages would live.
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined;

function collector(): () => void {
  if (!gc) {
    // A process started without --expose-gc can still reach gc() this way.
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  return gc;
}

/** Bytes still reachable after a full garbage collection: heap used plus external memory. */
export async function retainedBytes(): Promise<number> {
  const collect = collector();
  collect();
  // Let finalizers and weak callbacks that free external memory run, then collect again.
  await new Promise((resolve) => setTimeout(resolve, 10));
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}
