/**
 * The package as a user gets it: `pnpm pack` core and message-queue (which builds them to
 * JavaScript and turns workspace:* into a version range), `npm install` both tarballs into an
 * empty project (which builds the addon from its C source), then, from that project, plain
 * `node` (no tsx, no source condition) opens a queue, sends with priorities, receives in order,
 * runs a consumer in another process and unlinks; and `tsc` type-checks a TypeScript file
 * against the installed declarations. NATS is not installed there, so the main entry importing
 * at all shows that it loads no NATS code, while the JetStream subpath cannot load.
 */

import { execFile, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { MessageQueue, uniqueQueueName } from "../src/index.ts";

const run = promisify(execFile);
const repo = new URL("../../../", import.meta.url).pathname;
const packageDir = (name: string) => join(repo, "packages", name);
const temp = mkdtempSync(join(tmpdir(), "ipc-atlas-install-"));
const project = join(temp, "project");
const queueName = uniqueQueueName("ipc-atlas-install");
// Built output this test makes is removed again, unless it was there before.
const builtBefore = ["core", "nats", "message-queue"].filter((p) => existsSync(join(packageDir(p), "dist")));

afterAll(async () => {
  await MessageQueue.unlink(queueName).catch(() => {});
  rmSync(temp, { recursive: true, force: true });
  for (const p of ["core", "nats", "message-queue"].filter((p) => !builtBefore.includes(p)))
    rmSync(join(packageDir(p), "dist"), { recursive: true, force: true });
});

/** What a user's shell has: no NODE_OPTIONS condition pointing ipc-atlas at sources it lacks. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(env)) if (key.startsWith("npm_")) delete env[key];
  return env;
}

// The workspace's pinned pnpm: on the PATH after setup, else through npx (as scripts/setup.mjs does).
const pinned = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).packageManager as string;
const pnpm: [string, string[]] =
  spawnSync("pnpm", ["--version"], { encoding: "utf8" }).stdout?.trim() === pinned.split("@")[1]
    ? ["pnpm", []]
    : ["npx", ["-y", pinned]];

const program = `
import { spawnConsumer } from "@ipc-atlas/core";
import { MessageQueue, messageQueues, QueueNotFoundError, variants } from "@ipc-atlas/message-queue";

const name = process.argv[2];
const queue = await MessageQueue.open(name, { exclusive: true, maxMessages: 8, messageSize: 64 });
const received = [];
try {
  await queue.send("routine 1");
  await queue.send("urgent", { priority: 9 });
  await queue.send("routine 2");
  await queue.send("soon", { priority: 3 });
  for (let i = 0; i < 4; i++) {
    const { data, priority } = await queue.receive({ timeoutMs: 5000 });
    received.push(priority + " " + data.toString());
  }
} finally {
  queue.close();
  await MessageQueue.unlink(name);
}
const notFound = await MessageQueue.open(name).catch((error) => error instanceof QueueNotFoundError);

// The variant with its consumer in another process: core starts compiled JavaScript, no tsx.
const endpoint = await messageQueues.open();
const consumer = await spawnConsumer(messageQueues, endpoint.address);
const producer = await messageQueues.producer(endpoint.address);
for (const text of ["a", "b", "c"]) await producer.send(new TextEncoder().encode(text));
await producer.close();
const fromChild = [];
for await (const message of consumer) fromChild.push(new TextDecoder().decode(message));
await consumer.dispose();
await endpoint.close();

const jetstream = await import("@ipc-atlas/message-queue/jetstream").then(
  () => "loaded",
  (error) => error.code + " " + error.message.split("\\n")[0],
);
console.log(JSON.stringify({ received, notFound, fromChild, variants: variants.map((v) => v.id), jetstream }));
`;

const typed = `
import { MessageQueue, type ReceivedMessage, QueueExistsError, MQ_PRIO_MAX } from "@ipc-atlas/message-queue";

const queue: MessageQueue = await MessageQueue.open("/typed", { create: true, maxMessages: 4, messageSize: 128 });
await queue.send("hello", { priority: MQ_PRIO_MAX - 1, timeoutMs: 100 });
const message: ReceivedMessage = await queue.receive({ signal: AbortSignal.timeout(100) });
const priority: number = message.priority;
const bytes: Uint8Array = message.data;
const error: QueueExistsError | undefined = undefined;
// @ts-expect-error a priority is a number: this line must not type-check, or the types are missing
await queue.send("x", { priority: "high" });
// @ts-expect-error open() takes no such option
await MessageQueue.open("/typed", { durable: true });
console.log(priority, bytes.length, error);
queue.close();
`;

describe("installed from its tarballs with npm", () => {
  it("plain node opens a queue, sends with priorities, receives in order, spawns a consumer, unlinks; tsc type-checks", async () => {
    const tarballs = join(temp, "tarballs");
    // message-queue's prepack builds what it needs (core, nats, itself); core's builds core.
    for (const name of ["message-queue", "core"])
      await run(pnpm[0], [...pnpm[1], "pack", "--pack-destination", tarballs], { cwd: packageDir(name) });
    const files = readdirSync(tarballs).sort();
    expect(files).toEqual(["ipc-atlas-core-0.1.0.tgz", "ipc-atlas-message-queue-0.1.0.tgz"]);

    const { stdout: listing } = await run("tar", ["tzf", join(tarballs, files[1]!)]);
    const packed = listing.trim().split("\n").sort();
    expect(packed).toEqual(
      expect.arrayContaining([
        "package/LICENSE",
        "package/README.md",
        "package/binding.gyp",
        "package/dist/src/index.d.ts",
        "package/dist/src/index.js",
        "package/dist/src/jetstream/index.js",
        "package/native/install.mjs",
        "package/native/posix_mq.c",
        "package/package.json",
      ]),
    );
    expect(
      // No sources, tests, benchmarks or fixtures: only what runs, its types and the addon's C.
      packed.filter(
        (f) => /^package\/(src|test|bench|examples)\/|\.test\.|\.ts$/.test(f) && !f.endsWith(".d.ts"),
      ),
    ).toEqual([]);
    const { stdout: manifest } = await run("tar", [
      "xzf",
      join(tarballs, files[1]!),
      "-O",
      "package/package.json",
    ]);
    const pkg = JSON.parse(manifest) as Record<string, Record<string, string>>;
    expect(pkg.dependencies).toEqual({ "@ipc-atlas/core": "^0.1.0" });
    expect(pkg.peerDependenciesMeta?.["@nats-io/transport-node"]).toEqual({ optional: true });

    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "user-project", private: true, type: "module" }),
    );
    const started = performance.now();
    await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", ...files.map((f) => join(tarballs, f))],
      { cwd: project, env: userEnv() },
    );
    const installSeconds = (performance.now() - started) / 1000;
    console.log(`npm install of both tarballs into an empty project: ${installSeconds.toFixed(1)} s`);
    const installed = join(project, "node_modules");
    expect(statSync(join(installed, "@ipc-atlas/message-queue/build/Release/posix_mq.node")).isFile()).toBe(
      true,
    );
    expect(readdirSync(installed).filter((d) => !d.startsWith("."))).toEqual(["@ipc-atlas"]); // no NATS client, no tsx

    writeFileSync(join(project, "main.mjs"), program);
    const { stdout } = await run(process.execPath, ["main.mjs", queueName], { cwd: project, env: userEnv() });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result.received).toEqual(["9 urgent", "3 soon", "0 routine 1", "0 routine 2"]);
    expect(result.notFound).toBe(true);
    expect(result.fromChild).toEqual(["a", "b", "c"]);
    expect(result.variants).toEqual(["message-queues"]);
    expect(result.jetstream).toMatch(/^ERR_MODULE_NOT_FOUND .*'@(ipc-atlas\/nats|nats-io\/[a-z-]+)'/);

    writeFileSync(join(project, "typed.ts"), typed);
    const tsconfig = {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ["node"],
        typeRoots: [join(repo, "node_modules/@types")],
      },
      files: ["typed.ts"],
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = spawnSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", project], {
      encoding: "utf8",
      env: userEnv(),
    });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  }, 420_000);

  it("the install script says what to install when the build cannot run", () => {
    // A PATH with no compiler, make or Python: the script names all three and how to retry.
    const empty = join(temp, "empty-bin");
    mkdirSync(empty, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...userEnv(), PATH: empty };
    delete env.CC;
    delete env.PYTHON;
    const result = spawnSync(process.execPath, [join(packageDir("message-queue"), "native/install.mjs")], {
      encoding: "utf8",
      env,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cannot build the native addon from source");
    expect(result.stderr).toMatch(
      /a C compiler \(cc or gcc or clang\), make, Python 3 \(python3\) not found/,
    );
    expect(result.stderr).toContain("npm rebuild @ipc-atlas/message-queue");
  });
});
