/**
 * The narrated demo of pipes-unnamed: runs examples/01-unnamed-pipe.ts, Go's io.Pipe example
 * retold and then the same pipe as a Producer/Consumer. The pipe lives inside that one process;
 * the demo starts it as a child only so that its lines join the transcript.
 */

import type { Narrator } from "@ipc-atlas/core";
import { runExample } from "./demo-support.ts";

export async function demo(narrator: Narrator): Promise<void> {
  await runExample(narrator, "01-unnamed-pipe.ts");
}
