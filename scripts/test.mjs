#!/usr/bin/env node
// The whole test run, as CI and the README's quick start run it: every package's vitest
// project, then typecheck, lint and the docs drift check. Ends with one line of totals, `N passed, M failed`,
// where the vitest tests count one each and every other check counts as one.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leftovers, snapshot } from "./leftovers.mjs";

const root = new URL("../", import.meta.url);
const bin = (name) => new URL(`node_modules/.bin/${name}`, root).pathname;
let passed = 0;
let failed = 0;

function step(title, command, args) {
  console.log(`\n── ${title}`);
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, env });
  return result.status === 0;
}

// 1. Tests. The JSON report gives exact counts; the default reporter shows progress.
const reportDir = mkdtempSync(join(tmpdir(), "ipc-atlas-test-report-"));
const report = join(reportDir, "vitest.json");
const before = snapshot();
step("vitest", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile=${report}`,
  ...process.argv.slice(2),
]);
try {
  const results = JSON.parse(readFileSync(report, "utf8"));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  // A test file that fails to load counts no tests; count it as a failure so it is never silent.
  failed += results.testResults.filter(
    (f) => f.status === "failed" && f.assertionResults.length === 0,
  ).length;
} catch {
  console.error("vitest wrote no report: counting the run as failed");
  failed += 1;
}
rmSync(reportDir, { recursive: true, force: true });

// 2. Nothing left behind: no queue, FIFO, socket file, temporary directory or child process.
console.log("\n── nothing left behind by the tests");
const left = await leftovers(before);
if (!before.queuesChecked)
  console.log("(POSIX queues not listed: /dev/mqueue is not mounted and cannot be mounted here)");
if (left.length === 0) {
  console.log("no queue, temporary directory or process left behind");
  passed += 1;
} else {
  console.error(`left behind by the tests:\n  ${left.join("\n  ")}`);
  failed += 1;
}

// 3. The other checks, one each.
const pnpmOnPath = spawnSync("pnpm", ["--version"], { stdio: "ignore" }).status === 0;
const checks = [
  // turbo runs every package's typecheck (it needs pnpm on the PATH); without it, tsc per package.
  pnpmOnPath
    ? ["typecheck", bin("turbo"), ["run", "typecheck", "--output-logs=errors-only"]]
    : ["typecheck", "sh", ["-c", `for p in packages/* apps/*; do ${bin("tsc")} -p "$p" || exit 1; done`]],
  ["lint", bin("biome"), ["check", "."]],
  [
    "docs drift check (reruns every demo)",
    process.execPath,
    ["--conditions=@ipc-atlas/source", "--import", "tsx", "apps/harness/src/docs.ts", "--check"],
  ],
];
for (const [title, command, args] of checks) {
  if (step(title, command, args)) passed += 1;
  else failed += 1;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
