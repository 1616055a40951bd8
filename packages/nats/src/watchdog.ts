/**
 * Making sure no nats-server outlives the program that started it. Two of the launcher's three
 * layers live here (the third is `stop()`):
 *
 * - an exit hook (`stopAllAtExit`) that kills every server still running and removes its
 *   directory when Node exits, also on SIGINT/SIGTERM/SIGHUP;
 * - a watchdog per server: a tiny detached shell loop that notices when the parent is gone,
 *   even after `kill -9` (which runs no exit hook), and then stops the server and removes its
 *   files.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { atExit } from "@ipc-atlas/core";

/** One server started here: its process, its watchdog and the directory it leaves on disk. */
export interface Tracked {
  child: ChildProcess | undefined;
  watchdog: ChildProcess | undefined;
  dir: string;
}

const live = new Set<Tracked>();

/** Tracks a server until `untrack`, and makes sure the exit hook is installed. */
export function track(tracked: Tracked): void {
  atExit(stopAll);
  live.add(tracked);
}

export function untrack(tracked: Tracked): void {
  live.delete(tracked);
}

/** At exit ('exit' handlers are synchronous): kill and remove without waiting. */
function stopAll(): void {
  for (const t of live) {
    t.watchdog?.kill("SIGKILL");
    t.child?.kill("SIGKILL");
    rmSync(t.dir, { recursive: true, force: true });
  }
}

/** Process ids of the servers started here that are still running (for leak checks). */
export function liveNatsServers(): number[] {
  return [...live].flatMap((t) =>
    t.child?.pid !== undefined && t.child.exitCode === null ? [t.child.pid] : [],
  );
}

/**
 * The watchdog: a shell loop, detached into its own process group and deaf to the terminal's
 * signals, that polls once every half second. When the parent is gone (however it died) it stops
 * the server and removes the directory; when the server is gone while the parent lives, the
 * parent is in charge and the watchdog just exits. stop() SIGKILLs it first.
 */
const WATCHDOG = `
trap '' INT TERM HUP
parent=$1; server=$2; dir=$3
# A zombie (state Z) answers kill -0 but is already dead.
alive() { kill -0 "$1" 2>/dev/null && ! grep -q ') Z' "/proc/$1/stat" 2>/dev/null; }
while alive "$parent" && alive "$server"; do sleep 0.5; done
if ! alive "$parent"; then
  kill -TERM "$server" 2>/dev/null
  i=0; while alive "$server" && [ $i -lt 20 ]; do sleep 0.25; i=$((i+1)); done
  kill -KILL "$server" 2>/dev/null
  rm -rf "$dir"
fi
`;

/** Starts the watchdog for the server `serverPid`, whose files are in `dir`. */
export function startWatchdog(serverPid: number, dir: string): ChildProcess {
  const dog = spawn(
    "/bin/sh",
    ["-c", WATCHDOG, "nats-watchdog", String(process.pid), String(serverPid), dir],
    {
      detached: true,
      stdio: "ignore",
    },
  );
  dog.unref();
  return dog;
}
