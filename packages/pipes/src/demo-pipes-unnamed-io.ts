/**
 * The narrated demo of pipes-unnamed-io: runs examples/02-unnamed-pipe-streams.ts, text lines
 * through gzip, the pipe's Writable and Readable, and gunzip, then the variant's framed messages.
 * The pipe lives inside that one process; the demo starts it as a child only so that its lines
 * join the transcript.
 */

import type { Narrator } from "@ipc-atlas/core";
import { runExample } from "./demo-support.ts";

export async function demo(narrator: Narrator): Promise<void> {
  await runExample(narrator, "02-unnamed-pipe-streams.ts");
}
