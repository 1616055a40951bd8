// Builds the native addon (native/posix_mq.c and native/poll.c) from source when the package is
// installed: the install script of package.json. There is no prebuilt binary to download. It checks first for what
// node-gyp needs, so that a machine without a compiler is told what to install instead of
// reading a compiler's error, and on a system other than Linux (no pollable POSIX queues) it
// builds nothing: the package still imports there, and MessageQueue.open() throws
// UnsupportedPlatformError.

import { spawnSync } from "node:child_process";

const name = "@ipc-atlas/message-queue";

if (process.platform !== "linux") {
  console.warn(
    `${name}: POSIX message queues need Linux; the native addon is not built on ${process.platform}. ` +
      "MessageQueue.open() will throw UnsupportedPlatformError; the JetStream backend " +
      `(${name}/jetstream) works on any system.`,
  );
  process.exit(0);
}

const found = (program) =>
  spawnSync("/bin/sh", ["-c", `command -v "${program}"`], { stdio: "ignore" }).status === 0;
const compiler = process.env.CC ? [process.env.CC] : ["cc", "gcc", "clang"];
const python = process.env.PYTHON || process.env.npm_config_python || "python3";
const missing = [
  compiler.some(found) ? undefined : `a C compiler (${compiler.join(" or ")})`,
  found("make") ? undefined : "make",
  found(python) ? undefined : `Python 3 (${python})`,
].filter(Boolean);
if (missing.length > 0) {
  console.error(
    `${name}: cannot build the native addon from source: ${missing.join(", ")} not found.\n` +
      "  Install them (Debian/Ubuntu: apt-get install build-essential python3; Fedora: dnf install gcc make python3;\n" +
      `  Alpine: apk add build-base python3), then run: npm rebuild ${name}`,
  );
  process.exit(1);
}

// node-gyp from the PATH (npm, pnpm and yarn put their own there for install scripts), else
// the one npm names in npm_config_node_gyp.
let result = spawnSync("node-gyp", ["rebuild"], { stdio: "inherit" });
if (result.error?.code === "ENOENT" && process.env.npm_config_node_gyp)
  result = spawnSync(process.execPath, [process.env.npm_config_node_gyp, "rebuild"], { stdio: "inherit" });
if (result.error?.code === "ENOENT") {
  console.error(`${name}: node-gyp was not found; run: npx node-gyp rebuild (in this package's folder)`);
  process.exit(1);
}
if (result.status !== 0) {
  console.error(
    `${name}: building the native addon failed (node-gyp rebuild, exit ${result.status ?? result.signal}); ` +
      `the output above says why. Fix it, then run: npm rebuild ${name}`,
  );
  process.exit(result.status ?? 1);
}
