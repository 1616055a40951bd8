#!/usr/bin/env node
// The mutation check: does the suite notice when a guarantee breaks? Each breakage below edits
// one source file the way a plausible bug would (allocate before the limit check, drop the
// order check, skip the unlink, ...), runs only the tests that guard that guarantee, and puts
// the file back. Every breakage must turn those tests red; one that stays green is a missed
// check, and this script fails.
//
// The edit is made in place, so the tests import the broken code exactly as they import the
// real one. The original text is kept in .mutation-backup.json until it is back: it is restored
// in every case (a test failure, an exception, SIGINT/SIGTERM/SIGHUP), and a run killed with
// SIGKILL is repaired by the next run before it does anything else.
//
// Usage: node scripts/mutate.mjs [--report <file.json>] [name-substring]

import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants } from "node:os";

const root = new URL("../", import.meta.url).pathname;
const backupFile = `${root}.mutation-backup.json`;
const vitest = `${root}node_modules/.bin/vitest`;
const TIME_LIMIT_MS = 180_000;

/**
 * The breakages: `find` must occur exactly once in `file` (at least once with `everywhere`,
 * which breaks every occurrence); `tests` are vitest arguments.
 */
export const breakages = [
  {
    name: "the frame decoder allocates the announced length before the limit check",
    file: "packages/core/src/framing.ts",
    find: "  #check(length: number): number {\n",
    replace: "  #check(length: number): number {\n    Buffer.allocUnsafe(length);\n",
    tests: [
      "packages/core/test/framing.test.ts",
      "packages/pipes/test/hostile-length.test.ts",
      "packages/tcp/test/framing-fuzz.test.ts",
      "-t",
      "allocations watched|no allocation above",
    ],
  },
  {
    // The same bug, seen from the byte-stream variants' consumers (FIFO, unnamed pipes, TCP).
    name: "the frame decoder allocates before the limit check, seen by the pipe and TCP consumers",
    file: "packages/core/src/framing.ts",
    find: "  #check(length: number): number {\n",
    replace: "  #check(length: number): number {\n    Buffer.allocUnsafe(length);\n",
    tests: [
      "packages/pipes/test/hostile-length.test.ts",
      "packages/tcp/test/framing-fuzz.test.ts",
      "-t",
      "allocations watched|no allocation above",
    ],
  },
  {
    name: "the frame decoder drops the limit check",
    file: "packages/core/src/framing.ts",
    find: "if (length > this.maxFrameBytes) {",
    replace: "if (length > Number.MAX_SAFE_INTEGER) {",
    tests: ["packages/core/test/framing.test.ts"],
  },
  {
    name: "the conformance suite drops its sequence (order) checks",
    file: "packages/core/src/conformance/cases.ts",
    find: "assert.equal(seq, expected,",
    replace: "assert.ok(true || seq === expected,",
    everywhere: true,
    tests: ["packages/core/test/broken-variants.test.ts", "-t", "catches broken variants"],
  },
  {
    name: "message-queues: Endpoint.close() skips the unlink",
    file: "packages/message-queue/src/message-queues.ts",
    find: "        await MessageQueue.unlink(name);\n",
    replace: "",
    tests: ["packages/message-queue/test/cleanup.test.ts"],
  },
  {
    name: "pipes-named: Endpoint.close() leaves the FIFO directory (removed only at exit)",
    file: "packages/pipes/src/fifo.ts",
    find: "  const remove = () => {\n    rmSync(dir, { recursive: true, force: true });\n    privateDirs.delete(dir);\n  };",
    replace: "  const remove = () => {};",
    tests: ["packages/pipes/test/named-pipe.test.ts", "-t", "removed"],
  },
  {
    name: "channels-unbuffered: send resolves before a receiver took the value",
    file: "packages/channels/src/channel.ts",
    find: "      this.#senders.push(waiter);\n",
    replace: "      this.#senders.push(waiter);\n      resolve();\n",
    tests: ["packages/channels/test/conformance.test.ts", "-t", "channels-unbuffered"],
  },
  {
    name: "channels: Consumer.close() leaves a pending next() waiting",
    file: "packages/channels/src/channel-endpoint.ts",
    find: "    async close() {\n      stop.abort();\n    },",
    replace: "    async close() {},",
    tests: ["packages/channels/test/conformance.test.ts", "-t", "while a next"],
  },
  {
    name: "peers: a consumer process runs close() only after its pending next()",
    file: "packages/core/src/peer-main.ts",
    find: 'if (command.op === "close" && consumer) {',
    replace: 'if (command.op === "close" && consumer && false) {',
    tests: ["packages/core/test/conformance.test.ts", "-t", "while a next"],
  },
];

// ── keeping the tree intact ──────────────────────────────────────────────────────────────

function restore() {
  if (!existsSync(backupFile)) return;
  const { file, original } = JSON.parse(readFileSync(backupFile, "utf8"));
  writeFileSync(`${root}${file}`, original);
  rmSync(backupFile);
}

let child;
function onSignal(signal) {
  child?.kill("SIGKILL");
  restore();
  process.exit(128 + (constants.signals[signal] ?? 0));
}

function runTests(args) {
  return new Promise((resolve) => {
    child = spawn(vitest, ["run", "--bail=1", "--reporter=dot", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIME_LIMIT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      child = undefined;
      resolve({ code, signal, output });
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  const reportAt = args.indexOf("--report");
  const reportFile = reportAt >= 0 ? args.splice(reportAt, 2)[1] : undefined;
  const only = args[0];
  restore(); // a previous run killed with SIGKILL left its breakage in place
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, onSignal);
  process.on("exit", restore);

  const chosen = breakages.filter((b) => !only || b.name.includes(only));
  const results = [];
  for (const breakage of chosen) {
    const path = `${root}${breakage.file}`;
    const original = readFileSync(path, "utf8");
    const occurrences = original.split(breakage.find).length - 1;
    if (breakage.everywhere ? occurrences === 0 : occurrences !== 1) {
      results.push({
        name: breakage.name,
        caught: false,
        why: `its text occurs ${occurrences} times in ${breakage.file}`,
      });
      console.log(
        `NOT APPLIED  ${breakage.name}: the text to break occurs ${occurrences} times in ${breakage.file}`,
      );
      continue;
    }
    writeFileSync(backupFile, JSON.stringify({ file: breakage.file, original }));
    const broken = breakage.everywhere
      ? original.replaceAll(breakage.find, breakage.replace)
      : original.replace(breakage.find, breakage.replace);
    writeFileSync(path, broken);
    const started = Date.now();
    let outcome;
    try {
      outcome = await runTests(breakage.tests);
    } finally {
      restore();
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const timedOut = outcome.signal === "SIGKILL";
    const caught = outcome.code !== 0 && !timedOut;
    const failedTest = outcome.output.match(/(?:FAIL|×)\s+(.*)/)?.[1]?.trim();
    const why = timedOut
      ? `the tests did not finish in ${TIME_LIMIT_MS / 1000} s`
      : caught
        ? failedTest
        : "tests stayed green";
    results.push({ name: breakage.name, caught, why });
    console.log(`${caught ? "caught" : "MISSED"}  ${breakage.name} (${seconds} s${why ? `; ${why}` : ""})`);
    if (!caught) console.log(outcome.output.split("\n").slice(-15).join("\n"));
  }
  const caught = results.filter((r) => r.caught).length;
  if (reportFile) writeFileSync(reportFile, JSON.stringify(results));
  console.log(`\n${caught} passed, ${results.length - caught} failed`);
  process.exitCode = caught === results.length ? 0 : 1;
}

await main();
