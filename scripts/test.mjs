#!/usr/bin/env node
// The whole test run, as CI and the README's quick start run it: every package's vitest
// project, typecheck, lint, the docs drift check, the mutation check and the leftovers check.
// Ends with one line of totals, `N passed, M failed, K skipped`, where each vitest test counts
// one, a failed test file or hook (beforeAll/afterAll), an error outside any test and a skip
// that is not in scripts/allowed-skips.json count one failure each, and every other check
// counts one. The run fails unless M is 0 and every step exited 0.
//
// Extra arguments go to vitest (a project or a file): then only vitest and the leftovers
// check run, for a quick look at one package.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { CHROMIUM_INSTALL, findChromium } from "./chromium.mjs";
import { leftovers, snapshot } from "./leftovers.mjs";

const root = new URL("../", import.meta.url);
const rootPath = root.pathname;
const bin = (name) => new URL(`node_modules/.bin/${name}`, root).pathname;
const vitestArgs = process.argv.slice(2);
const fullRun = vitestArgs.length === 0;
// A name filter skips every other test by design; then skips are counted, not judged.
const nameFiltered = vitestArgs.some((a) => /^(-t|--testNamePattern)(=|$)/.test(a));
let passed = 0;
let failed = 0;
let skipped = 0;

function fail(why) {
  console.error(`FAILED: ${why}`);
  failed += 1;
}

function step(title, command, args, extraEnv = {}) {
  console.log(`\n── ${title}`);
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", ...extraEnv };
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, env });
  return result.status ?? 1;
}

// 0. The machine: what the tests need must be there, or the run says so instead of passing
// by skipping. Each missing piece is one failure.
console.log("── the test environment");
const before = snapshot();
const environment = [...before.unchecked];
if (!findChromium())
  environment.push(`Chromium is missing (the benchmark report check needs it): ${CHROMIUM_INSTALL}`);
if (process.env.NATS_URL)
  environment.push(
    "NATS_URL is set: unset it; the tests start their own nats-servers (the network conformance needs a routed cluster, not one server)",
  );
if (environment.length === 0) {
  console.log("Chromium found, /dev/mqueue and /dev/shm listable, NATS_URL unset");
  passed += 1;
} else for (const problem of environment) fail(problem);

// 1. Tests. The JSON report gives per-test and per-file results; a small reporter of ours
// records errors outside any test; the default reporter shows progress.
const reportDir = mkdtempSync(join(tmpdir(), "ipc-atlas-test-report-"));
const report = join(reportDir, "vitest.json");
const unhandledReport = join(reportDir, "unhandled.json");
const vitestStatus = step(
  "vitest",
  bin("vitest"),
  [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--reporter=${new URL("unhandled-errors-reporter.mjs", import.meta.url).pathname}`,
    `--outputFile.json=${report}`,
    ...vitestArgs,
  ],
  { IPC_ATLAS_UNHANDLED_REPORT: unhandledReport },
);
const failedBefore = failed;
console.log("\n── vitest results");
try {
  const results = JSON.parse(readFileSync(report, "utf8"));
  const allowed = JSON.parse(readFileSync(new URL("allowed-skips.json", import.meta.url), "utf8")).skips;
  const used = new Set();
  for (const file of results.testResults) {
    const name = relative(rootPath, file.name);
    const tests = file.assertionResults;
    passed += tests.filter((t) => t.status === "passed").length;
    for (const t of tests.filter((t) => t.status === "failed")) fail(`${name}: ${t.fullName}`);
    // A file can fail with no failed test: it did not load, or a beforeAll/afterAll hook threw
    // (its tests then show as skipped or passed). Its message says which.
    if (file.status === "failed" && (file.message || !tests.some((t) => t.status === "failed")))
      fail(`${name}: ${file.message?.split("\n")[0] || "the file failed outside its tests"}`);
    const notRun = tests.filter((t) => t.status !== "passed" && t.status !== "failed");
    skipped += notRun.length;
    // A skip must be named in the allow-list; a failed file's skips are already counted by
    // its failure.
    if (nameFiltered || file.status === "failed") continue;
    for (const t of notRun) {
      const entry = allowed.find((a) => a.file === name && a.test === t.title);
      if (entry) used.add(entry);
      else fail(`${name}: "${t.title}" was skipped and is not in scripts/allowed-skips.json`);
    }
  }
  if (fullRun)
    for (const entry of allowed.filter((a) => !used.has(a)))
      console.warn(`note: allowed skip no longer happens, remove it: ${entry.file}: ${entry.test}`);
} catch (error) {
  fail(`vitest wrote no readable report (${error.message})`);
}
if (existsSync(unhandledReport)) {
  const { errors } = JSON.parse(readFileSync(unhandledReport, "utf8"));
  for (const e of errors) fail(`error outside any test (unhandled rejection or exception): ${e}`);
}
if (vitestStatus !== 0 && failed === failedBefore)
  fail(`vitest exited with status ${vitestStatus} though no test failed: see its output above`);
if (failed === failedBefore) console.log("every test file and hook passed; every skip is allowed");

// 2. The other checks, one each.
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
for (const [title, command, args] of fullRun ? checks : []) {
  if (step(title, command, args) === 0) passed += 1;
  else fail(title);
}

// 3. The mutation check (scripts/mutate.mjs): each deliberate breakage counts one, passed when
// the tests that guard it turn red.
if (fullRun) {
  const mutationReport = join(reportDir, "mutations.json");
  const status = step("mutation check: every deliberate breakage must turn its tests red", process.execPath, [
    "scripts/mutate.mjs",
    "--report",
    mutationReport,
  ]);
  const failedBeforeMutations = failed;
  try {
    for (const result of JSON.parse(readFileSync(mutationReport, "utf8"))) {
      if (result.caught) passed += 1;
      else fail(`mutation not caught: ${result.name} (${result.why})`);
    }
    if (status !== 0 && failed === failedBeforeMutations)
      fail(`the mutation check exited with status ${status}`);
  } catch (error) {
    fail(`the mutation check wrote no readable report (${error.message})`);
  }
}
rmSync(reportDir, { recursive: true, force: true });

// 4. Nothing left behind by any of it (the demos and the mutation runs included): no queue,
// shared-memory object, FIFO, socket file, temporary directory or child process.
console.log("\n── nothing left behind by the tests");
const left = await leftovers(before);
if (left.length === 0) {
  console.log("no queue, shared-memory object, temporary directory or process left behind");
  passed += 1;
} else fail(`left behind by the tests:\n  ${left.join("\n  ")}`);

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
