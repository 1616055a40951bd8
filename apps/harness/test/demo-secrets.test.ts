/**
 * The network variants' addresses carry a token, and the address is a secret: while each
 * network demo runs, every process it starts (children, their children, nats-servers) is read
 * the way any local user can read it — /proc/<pid>/cmdline — and no command line may hold a
 * token. The tokens are found where the secret legitimately is: the children's environment
 * (IPC_ATLAS_ADDRESS) and a nats-server's 0600 config file; the test fails if none is found,
 * so it cannot pass by looking at nothing.
 */

import { readdirSync, readFileSync } from "node:fs";
import type { Narrator } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { loadRegistry } from "../src/registry.ts";

const quiet: Narrator = { say: () => {}, note: () => {} };

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // the process ended meanwhile
  }
}

/** Every process that descends from this one, with its command line and environment. */
function descendants(): Array<{ pid: number; argv: string; env: string }> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid) parent.set(Number(entry), ppid);
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  return [...parent.keys()]
    .filter(mine)
    .map((pid) => ({ pid, argv: read(`/proc/${pid}/cmdline`), env: read(`/proc/${pid}/environ`) }));
}

function tokensIn(processes: ReturnType<typeof descendants>): string[] {
  const tokens: string[] = [];
  for (const { argv, env } of processes) {
    const address = env.split("\0").find((v) => v.startsWith("IPC_ATLAS_ADDRESS="));
    if (address) {
      const parsed = JSON.parse(address.slice("IPC_ATLAS_ADDRESS=".length)) as { token?: string };
      if (parsed.token) tokens.push(parsed.token);
    }
    const args = argv.split("\0");
    const config = args.indexOf("-c");
    if (config >= 0) {
      const token = /token: "([^"]+)"/.exec(read(args[config + 1]!))?.[1];
      if (token) tokens.push(token);
    }
  }
  return tokens;
}

describe("no process a network demo starts has a token on its command line", async () => {
  const { registry } = await loadRegistry();
  it.each(["tcp-ip", "rest", "grpc-network", "pub-sub-nats-os"])(
    "%s",
    async (id) => {
      const variant = registry.get(id);
      const seen = new Set<string>();
      const argvs: string[] = [];
      let running = true;
      const watching = (async () => {
        while (running) {
          const processes = descendants();
          for (const token of tokensIn(processes)) seen.add(token);
          for (const { argv } of processes) argvs.push(argv);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })();
      try {
        await variant.demo!(quiet);
      } finally {
        running = false;
        await watching;
      }
      expect(seen.size).toBeGreaterThan(0);
      for (const token of seen) for (const argv of argvs) expect(argv).not.toContain(token);
    },
    120_000,
  );
});
