/**
 * What the pipes demos share and a learner need not read: running an example program as a
 * child process that narrates through the demo, and waiting for a line it narrates.
 */

import { type ChildHandle, type Narrator, spawnScript } from "@ipc-atlas/core";

/** A running example program, and a way to wait for one of the events it narrates. */
export interface Example {
  readonly child: ChildHandle;
  /** Resolves when the program narrates `event` (with a detail starting with `detail`, if given). */
  said(event: string, detail?: string): Promise<void>;
}

/** Starts `examples/<name>` of this package with `args`; its narration goes to `narrator`. */
export function startExample(narrator: Narrator, name: string, args: string[] = []): Example {
  const waiting: { event: string; detail: string; resolve: () => void }[] = [];
  const forward: Narrator = {
    say(actor, event, detail) {
      narrator.say(actor, event, detail);
      for (const w of waiting.filter((w) => w.event === event && (detail ?? "").startsWith(w.detail))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    },
    note: (text) => narrator.note(text),
  };
  const child = spawnScript(new URL(`../examples/${name}`, import.meta.url), { narrator: forward, args });
  return {
    child,
    said: (event, detail = "") =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ event, detail, resolve });
        // A program that ends without saying it would leave the demo waiting for ever.
        void child.exited.then(() =>
          reject(new Error(`${name} exited before it narrated ${event} ${detail}`)),
        );
      }),
  };
}

/** Runs `examples/<name>` to its end; a program that fails fails the demo. */
export async function runExample(narrator: Narrator, name: string, args: string[] = []): Promise<void> {
  const { child } = startExample(narrator, name, args);
  const code = await child.exited;
  if (code !== 0) throw new Error(`${name} exited with code ${code}`);
}
