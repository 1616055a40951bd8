#!/usr/bin/env node
// Brings a fresh machine (Node.js 20 and npm, nothing else) to where ipc-atlas runs:
// the workspace's dependencies through the pinned pnpm (which also builds the POSIX queue
// addon from source), and the system programs the variants use. `--for-tests` also brings
// what only the tests need (Chromium, to check the benchmark report as a browser shows it).
// Idempotent and quick when everything is already there.

import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { findChromium } from "./chromium.mjs";

const forTests = process.argv.includes("--for-tests");
const root = new URL("../", import.meta.url);
const pnpmVersion = JSON.parse(readFileSync(new URL("package.json", root), "utf8")).packageManager.split(
  "@",
)[1];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`setup: \`${command} ${args.join(" ")}\` failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}

function has(program) {
  return spawnSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" }).status === 0;
}

function pnpmVersionOnPath() {
  try {
    return execFileSync("pnpm", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

/** The pinned pnpm: on the PATH if it is there (turbo looks for it there), else through npx. */
function pnpmCommand() {
  if (pnpmVersionOnPath() !== pnpmVersion) {
    // A global install puts it on the PATH for turbo and for the user; without the rights, npx will do.
    spawnSync("npm", ["install", "-g", "--silent", `pnpm@${pnpmVersion}`], { stdio: "ignore" });
  }
  return pnpmVersionOnPath() === pnpmVersion ? ["pnpm", []] : ["npx", ["-y", `pnpm@${pnpmVersion}`]];
}

// System packages from Debian, installed when missing and we may (root with apt-get).
// Chromium is found the way the report test finds it (scripts/chromium.mjs), so the two agree.
const wanted = [
  {
    program: "nats-server",
    pkg: "nats-server",
    why: "the NATS variants and the JetStream queue",
    present: () => has("nats-server"),
  },
];
if (forTests)
  wanted.push({
    program: "chromium",
    pkg: "chromium",
    why: "the benchmark report check",
    present: () => findChromium() !== undefined,
  });
const missing = wanted.filter((w) => !w.present());
if (missing.length > 0) {
  const names = missing.map((m) => m.pkg);
  if (process.getuid?.() === 0 && has("apt-get")) {
    console.log(`setup: installing ${names.join(", ")} from Debian's packages`);
    run("apt-get", ["update", "-qq"]);
    run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...names], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } else {
    for (const m of missing)
      console.warn(
        `setup: ${m.program} is missing (needed for ${m.why}); install it: sudo apt-get install ${m.pkg}`,
      );
  }
}

const [pnpm, prefix] = pnpmCommand();
run(pnpm, [...prefix, "install", "--frozen-lockfile", "--reporter=append-only"]);
