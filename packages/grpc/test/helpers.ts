/** Helpers shared by this package's tests: child processes that report over IPC. */

import { type ChildHandle, spawnScript } from "@ipc-atlas/core";

/** Starts a fixture script from test/fixtures with the given arguments. */
export function startFixture(name: string, args: string[]): ChildHandle {
  return spawnScript(new URL(`./fixtures/${name}`, import.meta.url), { args, stdio: "pipe" });
}

/** The next IPC message from `child` that matches, or an error if the child exits first. */
export function nextMessage<T>(
  child: ChildHandle,
  matches: (m: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.process.off("message", onMessage);
      reject(
        new Error(`no matching message from pid ${child.pid} within ${timeoutMs} ms\n${child.output()}`),
      );
    }, timeoutMs);
    const onMessage = (m: T) => {
      if (!matches(m)) return;
      clearTimeout(timer);
      child.process.off("message", onMessage);
      resolve(m);
    };
    child.process.on("message", onMessage);
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pid ${child.pid} exited with code ${code}\n${child.output()}`));
    });
  });
}

/** Ends a child and waits until it is gone. */
export async function stop(child: ChildHandle): Promise<void> {
  child.kill("SIGKILL");
  await child.exited;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
