/**
 * Plumbing that the demos need from their example programs, kept out of the examples so that
 * they read as programs.
 */

import { waitForGo } from "@ipc-atlas/core";

/**
 * Started by a demo (a parent with an IPC channel): says this process is loaded, and resolves
 * on the parent's go. A demo starts its processes ahead of time because starting Node takes far
 * longer than attaching, and the story depends on when a process attaches. Started by hand:
 * resolves at once.
 */
export async function whenTheDemoSaysGo(): Promise<void> {
  if (!process.send) return;
  const go = waitForGo();
  process.send({ ready: true });
  await go;
}
