/**
 * The nats-server launcher: a real server starts, answers, restarts on the same port, forms a
 * cluster, and leaves no process or directory behind — even when the program that started it
 * is killed with SIGKILL. A missing binary is a typed error naming the install command.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { MissingProgramError, tsxLoader } from "@ipc-atlas/core";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, it } from "vitest";
import {
  findNatsServer,
  liveNatsServers,
  natsUrlsFromEnv,
  pubSubNatsOs,
  startNatsCluster,
  startNatsServer,
} from "../src/index.ts";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const started: Array<{ dir: string | undefined; pid: number }> = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readStat(pid));
  } catch {
    return false;
  }
}
function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "";
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("startNatsServer", () => {
  it("starts a server on a random loopback port that a client can use, and stop() removes it", async () => {
    const server = await startNatsServer({ jetstream: true });
    const dir = dirname(server.storeDir!);
    started.push({ dir, pid: server.pid });
    try {
      assert.match(server.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(existsSync(dir));
      const nc = await connect({ servers: server.url });
      assert.equal(nc.info?.jetstream, true, "JetStream is enabled when asked");
      await nc.close();
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(dir), false, "its temporary directory is gone");
    assert.equal(alive(server.pid), false, "its process is gone");
    await server.stop(); // idempotent
  });

  it("restart() brings the server back on the same port and the client reconnects", async () => {
    const server = await startNatsServer();
    started.push({ dir: undefined, pid: server.pid });
    try {
      const nc = await connect({ servers: server.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
      const { port, pid } = server;
      const reconnected = (async () => {
        for await (const status of nc.status()) if (status.type === "reconnect") return status.server;
      })();
      await server.restart({ downMs: 200 });
      started.push({ dir: undefined, pid: server.pid });
      assert.equal(server.port, port, "same port");
      assert.notEqual(server.pid, pid, "a new process");
      assert.equal(await reconnected, `127.0.0.1:${port}`);
      await nc.flush();
      await nc.close();
    } finally {
      await server.stop();
    }
  });

  it("names the install command when nats-server is not on PATH", async () => {
    assert.throws(
      () => findNatsServer({ PATH: here }),
      (error: unknown) =>
        error instanceof MissingProgramError && /apt-get install nats-server/.test(error.message),
    );
    // And end to end, in a process whose PATH lacks it.
    const script = `import("${new URL("../src/index.ts", import.meta.url).href}").then(m => m.startNatsServer()).then(() => console.log("started?!"), e => console.log(e.name, e.code, e.message))`;
    const { stdout } = await run(process.execPath, ["--import", tsxLoader, "-e", script], {
      env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? "/tmp" },
    });
    assert.match(stdout, /MissingProgramError ENOPROGRAM nats-server was not found on PATH/);
    assert.match(stdout, /apt-get install nats-server/);
  });

  it("stops the server and removes its files when the parent is killed with SIGKILL (watchdog)", async () => {
    const script = `import("${new URL("../src/index.ts", import.meta.url).href}").then(async (m) => { const s = await m.startNatsServer({ jetstream: true }); console.log(JSON.stringify({ pid: s.pid, dir: s.storeDir })); setInterval(() => {}, 1000); })`;
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["--import", tsxLoader, "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.once("exit", (code) => reject(new Error(`child exited ${code}`)));
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    const serverDir = dirname(dir);
    started.push({ dir: serverDir, pid });
    assert.ok(alive(pid) && existsSync(serverDir));
    child.kill("SIGKILL");
    await waitFor("the orphaned nats-server stopping", () => !alive(pid));
    await waitFor("its directory being removed", () => !existsSync(serverDir));
  });
});

describe("startNatsCluster", () => {
  it("starts 3 routed nodes: a message published on node 1 reaches a subscriber on node 3", async () => {
    const cluster = await startNatsCluster({ nodes: 3 });
    for (const s of cluster.servers) started.push({ dir: undefined, pid: s.pid });
    try {
      assert.equal(cluster.urls.length, 3);
      assert.equal(new Set(cluster.urls).size, 3);
      const sub = await connect({ servers: cluster.urls[2] });
      const pub = await connect({ servers: cluster.urls[0] });
      const got = new Promise<string>((resolve) => {
        sub.subscribe("hello.routes", { callback: (_e, m) => resolve(m.string()) });
      });
      await sub.flush();
      // Interest travels over the route asynchronously; publish until it has arrived.
      let text: string | undefined;
      void got.then((t) => {
        text = t;
      });
      for (let i = 0; i < 100 && text === undefined; i++) {
        pub.publish("hello.routes", "across");
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await got, "across");
      await Promise.all([sub.close(), pub.close()]);
    } finally {
      await cluster.stop();
    }
    for (const s of cluster.servers) assert.equal(alive(s.pid), false);
  });
});

describe("NATS_URL", () => {
  it("is parsed as a comma-separated list", () => {
    assert.equal(natsUrlsFromEnv({}), undefined);
    assert.equal(natsUrlsFromEnv({ NATS_URL: " " }), undefined);
    assert.deepEqual(natsUrlsFromEnv({ NATS_URL: "nats://a:4222, b:4223" }), [
      "nats://a:4222",
      "nats://b:4223",
    ]);
  });

  it("makes the variant use the existing server instead of starting one, and close() leaves it running", async () => {
    const server = await startNatsServer();
    started.push({ dir: undefined, pid: server.pid });
    const saved = process.env.NATS_URL;
    process.env.NATS_URL = server.url;
    try {
      const before = liveNatsServers().length;
      const endpoint = await pubSubNatsOs.open();
      assert.deepEqual(endpoint.address.servers, [server.url]);
      assert.equal(liveNatsServers().length, before, "no server was started");
      await endpoint.close();
      assert.equal(server.running, true, "the existing server is not stopped");
    } finally {
      if (saved === undefined) delete process.env.NATS_URL;
      else process.env.NATS_URL = saved;
      await server.stop();
    }
  });
});

afterAll(() => {
  // Nothing this file started is left: no process, no directory.
  for (const s of started) {
    assert.equal(alive(s.pid), false, `nats-server pid ${s.pid} is still running`);
    if (s.dir) assert.equal(existsSync(s.dir), false, `${s.dir} is still there`);
  }
  assert.deepEqual(liveNatsServers(), []);
});
