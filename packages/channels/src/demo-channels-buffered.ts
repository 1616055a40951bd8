/** The narrated demo of channels-buffered: runs examples/02-buffered.ts on a worker thread. */

import type { Narrator } from "@ipc-atlas/core";
import { runExample } from "./demo-support.ts";

export async function demoBuffered(narrator: Narrator): Promise<void> {
  await runExample(new URL("../examples/02-buffered.ts", import.meta.url), narrator);
}
