// What a test run leaves behind: POSIX queues, shared-memory objects, temporary directories and
// processes that did not exist before it. `snapshot()` before the run, `leftovers(before)` after
// it; anything new is a leak (a queue or shm object outlives every process until unlinked, a FIFO
// or socket file stays on disk, an orphaned nats-server keeps its port). A place that cannot be
// listed is reported in `unchecked`: the caller treats it as an error, not as "nothing left".

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";

const repo = new URL("../", import.meta.url).pathname;

/** Mounts the mqueue file system where it is missing (as root), so queues can be listed. */
function queueDirectory() {
  const dir = "/dev/mqueue";
  if (existsSync(dir) && spawnSync("mountpoint", ["-q", dir]).status === 0) return dir;
  if (process.getuid?.() !== 0) return undefined;
  mkdirSync(dir, { recursive: true });
  return spawnSync("mount", ["-t", "mqueue", "none", dir]).status === 0 ? dir : undefined;
}

function processes() {
  const found = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    } catch {
      continue; // gone meanwhile
    }
    let cwd = "";
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // another user's process, or gone
    }
    // Ours: started from this checkout (a nats-server's command line names only temporary
    // paths, but it inherits the test's working directory), so a shared machine's other
    // checkouts do not count.
    const fromHere = `${cwd}/`.startsWith(repo) || cmdline.includes(repo);
    if (fromHere && (/(^|\/)nats-server /.test(cmdline) || !cmdline.includes("scripts/test.mjs"))) {
      found.push(`${pid} ${cmdline.slice(0, 160)}`);
    }
  }
  return found;
}

/** The project's names in a directory, or undefined when it cannot be listed. */
function list(dir, filter = () => true) {
  try {
    return readdirSync(dir).filter(filter);
  } catch {
    return undefined;
  }
}

const SHM = "/dev/shm";
const PREFIX = "ipc-atlas";

export function snapshot() {
  const queueDir = queueDirectory();
  const queues = queueDir ? list(queueDir) : undefined;
  // POSIX shared-memory objects live in /dev/shm (a tmpfs) under their shm_open name.
  const shm = list(SHM, (name) => name.startsWith(PREFIX));
  const unchecked = [];
  if (queues === undefined)
    unchecked.push(
      "/dev/mqueue cannot be listed (not mounted, and mounting it needs root: mount -t mqueue none /dev/mqueue)",
    );
  if (shm === undefined)
    unchecked.push(`${SHM} cannot be listed, so shared-memory objects cannot be checked`);
  return {
    unchecked,
    queues: queues ?? [],
    shm: shm ?? [],
    temp: readdirSync(tmpdir()).filter((name) => name.startsWith(PREFIX)),
    processes: processes(),
  };
}

/** Everything that is there now and was not in `before`, after giving exits a few seconds. */
export async function leftovers(before) {
  let found = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    const now = snapshot();
    const fresh = (key) => now[key].filter((x) => !before[key].includes(x));
    found = [
      ...fresh("queues").map((q) => `POSIX queue /${q}`),
      ...fresh("shm").map((m) => `shared-memory object /${m} (${SHM}/${m})`),
      ...fresh("temp").map((t) => `temporary ${tmpdir()}/${t}`),
      ...fresh("processes").map((p) => `process ${p}`),
    ];
    if (found.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return found;
}
