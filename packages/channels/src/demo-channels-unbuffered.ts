/** The narrated demo of channels-unbuffered: runs examples/01-unbuffered.ts on a worker thread. */

import type { Narrator } from "@ipc-atlas/core";
import { runExample } from "./demo-support.ts";

export async function demoUnbuffered(narrator: Narrator): Promise<void> {
  await runExample(new URL("../examples/01-unbuffered.ts", import.meta.url), narrator);
}
