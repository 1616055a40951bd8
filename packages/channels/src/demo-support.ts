/**
 * What the channel examples need to narrate and to be run by the demos, kept out of the
 * examples so that they show the channel and nothing else.
 */

import { childNarrator, type Narrator, spawnThread } from "@ipc-atlas/core";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A transcript line as `actor`: posted to the demo when the example runs on the demo's worker
 * thread, printed here when it runs on its own.
 */
export function narrate(actor: string): (event: string, detail?: string) => void {
  return childNarrator(actor).sayAs;
}

/**
 * Runs an example program on a worker thread of this process, its narration forwarded to
 * `narrator`. The channel lives inside that one thread, between its two tasks; a thread gives
 * each run a fresh module, which an import in this thread would not.
 */
export async function runExample(example: URL, narrator: Narrator): Promise<void> {
  const thread = spawnThread(example, { narrator });
  const code = await thread.exited;
  if (code !== 0) throw thread.error() ?? new Error(`${example.pathname} exited with code ${code}`);
}
