// What a test run leaves behind: POSIX queues, temporary directories and processes that did
// not exist before it. `snapshot()` before the run, `leftovers(before)` after it; anything new
// is a leak (a queue outlives every process until unlinked, a FIFO or socket file stays on disk,
// an orphaned nats-server keeps its port).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
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
    if (
      /(^|\/)nats-server /.test(cmdline) ||
      (cmdline.includes(repo) && !cmdline.includes("scripts/test.mjs"))
    ) {
      found.push(`${pid} ${cmdline.slice(0, 160)}`);
    }
  }
  return found;
}

export function snapshot() {
  const queues = queueDirectory();
  return {
    queuesChecked: queues !== undefined,
    queues: queues ? readdirSync(queues) : [],
    temp: readdirSync(tmpdir()).filter((name) => name.startsWith("ipc-atlas")),
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
      ...fresh("temp").map((t) => `temporary ${tmpdir()}/${t}`),
      ...fresh("processes").map((p) => `process ${p}`),
    ];
    if (found.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return found;
}
