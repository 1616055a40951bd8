/**
 * Rings left behind. A ring's owner unlinks it on `Endpoint.close()` and on its way out (exit,
 * SIGINT, SIGTERM, SIGHUP), but `kill -9` runs nothing: the object stays in /dev/shm, holding
 * its memory, until someone unlinks it. So every `open()` first sweeps /dev/shm for such rings.
 *
 * A ring is stale, and removed, only when all of this holds: its name starts with "ipc-atlas";
 * it belongs to this user and is open to nobody else (0600); its header is an ipc-atlas ring's
 * (magic word, size) and records who made it (native/shm_ring.c writes the maker's pid and pid
 * namespace before the magic word); that pid namespace is this process's, so the pids mean the
 * same here; and neither the maker nor the ring's producer or consumer still runs. A ring in use
 * by any live side is never touched. A pid reused by an unrelated process makes a dead ring look
 * alive, which errs on the safe side: it stays until that process ends. A side that attached to
 * a ring whose three processes all ended cannot exist, so the unlink takes nothing from anyone.
 */

import { lstatSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { native } from "./native.ts";
import { W } from "./ring.ts";

const SHM = "/dev/shm";
const PREFIX = "ipc-atlas";

/** True while the process `pid` runs (a zombie, dead but not yet reaped, counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The directory of a ring's doorbells: beside the temporary files, named after the ring. */
export function doorbellDirectory(name: string): string {
  return join(tmpdir(), `${name.replace(/^\/+/, "")}.doorbells`);
}

/** This process's pid namespace, as the addon records it (the inode's low 32 bits). */
function pidNamespace(): number {
  try {
    return Number(statSync("/proc/self/ns/pid").ino) >>> 0;
  } catch {
    return 0;
  }
}

/** Whether the ring `name` (a /dev/shm entry) is stale; false whenever anything is unsure. */
function isStale(entry: string, uid: number, namespace: number): boolean {
  const stat = lstatSync(join(SHM, entry));
  if (!stat.isFile() || stat.uid !== uid || (stat.mode & 0o077) !== 0) return false;
  const addon = native();
  let ring: ArrayBuffer;
  try {
    ring = addon.map(`/${entry}`, false, 0);
  } catch {
    return false; // not a ring of ours (another program's object, or not made yet)
  }
  try {
    const owner = addon.load(ring, W.ownerPid);
    if (owner === 0 || addon.load(ring, W.ownerPidNamespace) >>> 0 !== namespace) return false;
    const pids = [owner, addon.load(ring, W.producerPid), addon.load(ring, W.consumerPid)];
    return pids.every((pid) => pid === 0 || !alive(pid));
  } finally {
    addon.unmap(ring);
  }
}

/**
 * Removes the rings in /dev/shm whose maker and both sides are gone (see above), with their
 * doorbell directories; returns the names removed. `open()` calls it; call it yourself to clean
 * up after a crash without opening a ring.
 */
export function sweepStaleRings(): string[] {
  const uid = process.geteuid?.() ?? -1;
  const namespace = pidNamespace();
  let entries: string[];
  try {
    entries = readdirSync(SHM).filter((entry) => entry.startsWith(PREFIX));
  } catch {
    return []; // no /dev/shm to look in
  }
  const removed: string[] = [];
  for (const entry of entries) {
    try {
      if (!isStale(entry, uid, namespace)) continue;
      if (native().unlink(`/${entry}`)) removed.push(`/${entry}`);
      const doorbells = doorbellDirectory(entry);
      const dir = lstatSync(doorbells, { throwIfNoEntry: false });
      if (dir?.isDirectory() && dir.uid === uid) rmSync(doorbells, { recursive: true, force: true });
    } catch {
      // Gone meanwhile (another sweep took it), or unreadable: leave it.
    }
  }
  return removed;
}
