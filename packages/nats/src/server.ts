/**
 * Starting a real nats-server (and a 3-node cluster of them) for demos, tests and benchmarks.
 *
 * The server is a child process bound to 127.0.0.1 on a port the kernel picks (`-p -1`); it
 * tells which one through a ports file (`--ports_file_dir`). JetStream, when asked, stores in a
 * private temporary directory. Everything a server leaves on disk lives in one temp directory
 * that `stop()` removes. Three layers make sure nothing outlives the program that started it:
 * `stop()` itself, an exit hook that kills every server still running when Node exits, and a
 * tiny detached shell watchdog per server that notices when the parent is gone (even after
 * `kill -9`, which runs no exit hook) and then stops the server and removes its files.
 *
 * `NATS_URL` (comma-separated for a cluster) names servers that already run; the variants use
 * them instead of starting their own (see `natsUrlsFromEnv`).
 *
 * Secrets never go on the command line (another local user can read it in /proc): a token for
 * clients, TLS certificates and a cluster's route password are written to a config file (0600)
 * in the server's private directory, and nats-server gets only that file's path (`-c`).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import {
  atExit,
  IpcError,
  MissingProgramError,
  registerErrorClass,
  TimeoutError,
  type TlsMaterial,
} from "@ipc-atlas/core";

/** nats-server exited or failed before it was ready, or a cluster's routes never came up. */
export class NatsServerError extends IpcError {
  constructor(message: string, hint: string, details?: Record<string, unknown>) {
    super("ENATSSERVER", message, { hint, ...(details ? { details } : {}) });
  }
}
registerErrorClass(NatsServerError);

export interface NatsServer {
  /** Client URL, e.g. nats://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  /** pid of the current nats-server process (changes on restart). */
  readonly pid: number;
  /** HTTP monitoring endpoint (/varz, /routez, /jsz). */
  readonly monitorUrl: string;
  /** JetStream store directory when started with `jetstream: true`. */
  readonly storeDir?: string;
  /** Cluster route URL when the server is a cluster node. */
  readonly clusterUrl?: string;
  /** Server name (`-n`). */
  readonly name: string;
  /** Whether the server process is running now. */
  readonly running: boolean;
  /** The token clients must present, when the server was started with one. A secret. */
  readonly token?: string | undefined;
  /** `url` with the token as its user part (`nats://<token>@host:port`), for `natsConnectOptions`. A secret. */
  readonly clientUrl: string;
  /** Stops the server and removes its temporary files. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server (keeping its store), waits `downMs`, starts it on the SAME port and store. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the process only, keeping port and store for `start()`: the first half of an outage. */
  halt(): Promise<void>;
  /** Starts a halted (or killed) server again on the same port and store. */
  start(): Promise<void>;
  /** Sends a signal to the server process (SIGKILL by default) without cleaning up. */
  kill(signal?: NodeJS.Signals): void;
  /** The last lines nats-server logged (for error messages and debugging). */
  log(): string;
}

export interface NatsServerOptions {
  /** Enable JetStream with a temporary store directory. */
  jetstream?: boolean;
  /** Client port; random (chosen by the kernel) when omitted. */
  port?: number;
  /** Server name; default "ipc-atlas-<random>". */
  name?: string;
  /** Milliseconds to wait until the server answers. Default 10 000. */
  readyTimeoutMs?: number;
  /** Extra command-line arguments for nats-server. */
  args?: string[];
  /** Clients must present this token (written to the server's 0600 config file, never argv). */
  token?: string | undefined;
  /** Serve clients over TLS with this certificate and key (files in the private directory). */
  tls?: Pick<TlsMaterial, "cert" | "key"> | undefined;
}

export interface NatsCluster {
  /** Client URLs, one per node, in node order. */
  readonly urls: string[];
  readonly servers: NatsServer[];
  /** The token clients of every node must present, when started with one. A secret. */
  readonly token?: string | undefined;
  /** Stops every node and removes their files. Idempotent. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Number of nodes; default 3. */
  nodes?: number;
  jetstream?: boolean;
  readyTimeoutMs?: number;
  /** Clients of every node must present this token; routes get a password of their own. */
  token?: string | undefined;
  tls?: Pick<TlsMaterial, "cert" | "key"> | undefined;
}

const PROGRAM = "nats-server";

/** The servers named by NATS_URL (comma-separated), or undefined when it is unset or empty. */
export function natsUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env.NATS_URL?.trim();
  if (!raw) return undefined;
  const urls = raw
    .split(",")
    .map((u) => u.trim())
    .filter((u) => u.length > 0)
    .map((u) => (u.includes("://") ? u : `nats://${u}`));
  return urls.length > 0 ? urls : undefined;
}

function installHint(): string {
  const debian = existsSync("/etc/debian_version");
  return debian
    ? "apt-get install nats-server (Debian/Ubuntu; it installs /usr/sbin/nats-server, so make sure /usr/sbin is on PATH)"
    : "download nats-server from https://github.com/nats-io/nats-server/releases and put it on PATH (on Debian/Ubuntu: apt-get install nats-server)";
}

/**
 * Where the nats-server binary is: $NATS_SERVER_BIN, else the first `nats-server` on PATH.
 * Throws MissingProgramError naming the install command when there is none.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.NATS_SERVER_BIN;
  const candidates = explicit
    ? [explicit]
    : (env.PATH ?? "")
        .split(delimiter)
        .filter((d) => d.length > 0)
        .map((d) => join(d, PROGRAM));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  throw new MissingProgramError(
    explicit ? `${PROGRAM} (NATS_SERVER_BIN=${explicit})` : PROGRAM,
    installHint(),
  );
}

// --- keeping track of running servers so none outlives this process -----------------------

interface Tracked {
  child: ChildProcess | undefined;
  watchdog: ChildProcess | undefined;
  dir: string;
}
const live = new Set<Tracked>();
/** At exit ('exit' handlers are synchronous): kill and remove without waiting. */
function stopAll(): void {
  for (const t of live) {
    t.watchdog?.kill("SIGKILL");
    t.child?.kill("SIGKILL");
    rmSync(t.dir, { recursive: true, force: true });
  }
}

/** Process ids of the servers started here that are still running (for leak checks). */
export function liveNatsServers(): number[] {
  return [...live].flatMap((t) =>
    t.child?.pid !== undefined && t.child.exitCode === null ? [t.child.pid] : [],
  );
}

/**
 * The watchdog: a shell loop, detached into its own process group and deaf to the terminal's
 * signals, that polls once every half second. When the parent is gone (however it died) it stops
 * the server and removes the directory; when the server is gone while the parent lives, the
 * parent is in charge and the watchdog just exits. stop() SIGKILLs it first.
 */
const WATCHDOG = `
trap '' INT TERM HUP
parent=$1; server=$2; dir=$3
# A zombie (state Z) answers kill -0 but is already dead.
alive() { kill -0 "$1" 2>/dev/null && ! grep -q ') Z' "/proc/$1/stat" 2>/dev/null; }
while alive "$parent" && alive "$server"; do sleep 0.5; done
if ! alive "$parent"; then
  kill -TERM "$server" 2>/dev/null
  i=0; while alive "$server" && [ $i -lt 20 ]; do sleep 0.25; i=$((i+1)); done
  kill -KILL "$server" 2>/dev/null
  rm -rf "$dir"
fi
`;

function startWatchdog(serverPid: number, dir: string): ChildProcess {
  const dog = spawn(
    "/bin/sh",
    ["-c", WATCHDOG, "nats-watchdog", String(process.pid), String(serverPid), dir],
    {
      detached: true,
      stdio: "ignore",
    },
  );
  dog.unref();
  return dog;
}

// --- one server -----------------------------------------------------------------------------

const LOG_LINES = 40;

interface Ports {
  nats?: string[];
  monitoring?: string[];
  cluster?: string[];
}

interface ServerPlan {
  name: string;
  jetstream: boolean;
  port: number; // -1 until the first start picked one
  monitorPort: number;
  clusterPort?: number;
  clusterName?: string;
  routes?: string[];
  extraArgs: string[];
  readyTimeoutMs: number;
  token?: string | undefined;
  tls?: Pick<TlsMaterial, "cert" | "key"> | undefined;
  /** Routes between cluster nodes authenticate with this (a cluster with a token only). */
  routePassword?: string | undefined;
}

function randomName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

class ManagedServer implements NatsServer {
  private child: ChildProcess | undefined;
  private readonly tracked: Tracked;
  private logTail: string[] = [];
  private stopped = false;
  private exitPromise: Promise<void> = Promise.resolve();
  private currentPid = 0;
  private config: string | undefined;

  constructor(
    private readonly binary: string,
    private readonly plan: ServerPlan,
    private readonly dir: string,
  ) {
    this.tracked = { child: undefined, watchdog: undefined, dir };
    live.add(this.tracked);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.plan.port}`;
  }
  get token(): string | undefined {
    return this.plan.token;
  }
  get clientUrl(): string {
    return this.plan.token ? `nats://${this.plan.token}@127.0.0.1:${this.plan.port}` : this.url;
  }
  get port(): number {
    return this.plan.port;
  }
  get pid(): number {
    return this.currentPid;
  }
  get monitorUrl(): string {
    return `http://127.0.0.1:${this.plan.monitorPort}`;
  }
  get storeDir(): string | undefined {
    return this.plan.jetstream ? join(this.dir, "jetstream") : undefined;
  }
  get clusterUrl(): string | undefined {
    return this.plan.clusterPort ? `nats://127.0.0.1:${this.plan.clusterPort}` : undefined;
  }
  get name(): string {
    return this.plan.name;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string {
    return this.logTail.join("\n");
  }

  /** The 0600 config file with what must not be on the command line, or undefined if nothing must. */
  private async writeConfig(): Promise<string | undefined> {
    const p = this.plan;
    const lines: string[] = [];
    if (p.token) lines.push(`authorization { token: ${JSON.stringify(p.token)} }`);
    if (p.tls) {
      const cert = join(this.dir, "server-cert.pem");
      const key = join(this.dir, "server-key.pem");
      await writeFile(cert, p.tls.cert, { mode: 0o600 });
      await writeFile(key, p.tls.key, { mode: 0o600 });
      lines.push(`tls { cert_file: ${JSON.stringify(cert)}, key_file: ${JSON.stringify(key)} }`);
    }
    if (p.clusterPort !== undefined && p.routePassword) {
      const routes = (p.routes ?? []).map((r) =>
        JSON.stringify(r.replace("nats://", `nats://route:${p.routePassword}@`)),
      );
      lines.push(
        `cluster { name: ${JSON.stringify(p.clusterName ?? "ipc-atlas")}, listen: "127.0.0.1:${p.clusterPort}", ` +
          `authorization { user: route, password: ${JSON.stringify(p.routePassword)} }, routes: [${routes.join(", ")}] }`,
      );
    }
    if (lines.length === 0) return undefined;
    const file = join(this.dir, "server.conf");
    await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
    return file;
  }

  private args(config?: string): string[] {
    const p = this.plan;
    const args = ["-a", "127.0.0.1", "-p", String(p.port), "-m", String(p.monitorPort), "-n", p.name];
    if (config) args.push("-c", config);
    args.push("--ports_file_dir", join(this.dir, "ports"));
    if (p.jetstream) args.push("-js", "-sd", join(this.dir, "jetstream"));
    if (p.clusterPort !== undefined && !p.routePassword) {
      args.push(
        "--cluster",
        `nats://127.0.0.1:${p.clusterPort}`,
        "--cluster_name",
        p.clusterName ?? "ipc-atlas",
      );
      if (p.routes && p.routes.length > 0) args.push("--routes", p.routes.join(","));
    }
    args.push(...p.extraArgs);
    return args;
  }

  async start(): Promise<void> {
    if (this.stopped) throw new NatsServerError("this nats-server was stopped", "start a new one");
    if (this.running) return;
    await mkdir(join(this.dir, "ports"), { recursive: true });
    const config = await this.writeConfig();
    this.config = config;
    const child = spawn(this.binary, this.args(config), { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    this.tracked.child = child;
    let spawnError: Error | undefined;
    child.once("error", (e) => {
      spawnError = e;
    });
    let partial = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      this.logTail.push(...lines);
      if (this.logTail.length > LOG_LINES) this.logTail.splice(0, this.logTail.length - LOG_LINES);
    });
    this.exitPromise = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
      child.once("error", () => resolve());
    });
    if (child.pid === undefined) {
      await this.exitPromise;
      throw new NatsServerError(
        `could not start ${this.binary}: ${spawnError?.message ?? "no pid"}`,
        `check that it is executable; ${installHint()}`,
      );
    }
    this.currentPid = child.pid;
    this.tracked.watchdog = startWatchdog(child.pid, this.dir);
    try {
      await this.waitReady(child);
    } catch (error) {
      child.kill("SIGKILL");
      await this.exitPromise;
      this.tracked.watchdog?.kill("SIGKILL");
      throw error;
    }
  }

  /** Waits for the ports file, then for the INFO line a NATS server greets every client with. */
  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.plan.readyTimeoutMs;
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    const failure = () =>
      new NatsServerError(
        `nats-server exited (${child.exitCode ?? child.signalCode}) before it was ready`,
        /address already in use/i.test(this.log())
          ? "a port it needs is taken; retry, or pick another port"
          : "see its log in details.log",
        { log: this.log(), args: this.args(this.config) },
      );
    let ports: Ports | undefined;
    const suffix = `_${child.pid}.ports`;
    while (!ports) {
      if (exited()) throw failure();
      if (Date.now() > deadline)
        throw new TimeoutError(`nats-server start (pid ${child.pid})`, this.plan.readyTimeoutMs);
      const file = (await readdir(join(this.dir, "ports")).catch(() => [] as string[])).find((f) =>
        f.endsWith(suffix),
      );
      if (file) {
        try {
          ports = JSON.parse(await readFile(join(this.dir, "ports", file), "utf8")) as Ports;
        } catch {
          // written but not complete yet: read again
        }
      }
      if (!ports) await sleep(15);
    }
    this.plan.port = portOf(ports.nats?.[0]) ?? this.plan.port;
    this.plan.monitorPort = portOf(ports.monitoring?.[0]) ?? this.plan.monitorPort;
    if (this.plan.clusterPort !== undefined)
      this.plan.clusterPort = portOf(ports.cluster?.[0]) ?? this.plan.clusterPort;
    while (!(await greets(this.plan.port))) {
      if (exited()) throw failure();
      if (Date.now() > deadline)
        throw new TimeoutError(`nats-server greeting on port ${this.plan.port}`, this.plan.readyTimeoutMs);
      await sleep(20);
    }
  }

  async halt(): Promise<void> {
    const child = this.child;
    this.tracked.watchdog?.kill("SIGKILL");
    this.tracked.watchdog = undefined;
    if (!child || !this.running) {
      await this.exitPromise;
      return;
    }
    child.kill("SIGTERM");
    // Graceful first (clients get a clean close); SIGKILL if it hangs.
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exitPromise.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 5000);
      }),
    ]);
    clearTimeout(timer);
    if (!graceful) {
      child.kill("SIGKILL");
      await this.exitPromise;
    }
  }

  async restart(options: { downMs?: number } = {}): Promise<void> {
    await this.halt();
    if (options.downMs) await sleep(options.downMs);
    await this.start();
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    this.child?.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.halt();
    await rm(this.dir, { recursive: true, force: true });
    live.delete(this.tracked);
  }
}

function portOf(url: string | undefined): number | undefined {
  if (!url) return undefined;
  const port = Number(new URL(url).port);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Connects, and resolves true when the server sends its INFO line. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let seen = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("data", (d: Buffer) => {
      seen += d.toString("latin1");
      if (seen.startsWith("INFO ")) done(true);
      else if (seen.length >= 5) done(false);
    });
    socket.on("error", () => done(false));
  });
}

async function newServer(binary: string, plan: ServerPlan): Promise<ManagedServer> {
  atExit(stopAll);
  const dir = await mkdtemp(join(tmpdir(), "ipc-atlas-nats-"));
  return new ManagedServer(binary, plan, dir);
}

/** Starts one nats-server on 127.0.0.1 and resolves once it answers. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = findNatsServer();
  const server = await newServer(binary, {
    name: options.name ?? randomName("ipc-atlas"),
    jetstream: options.jetstream ?? false,
    port: options.port ?? -1,
    monitorPort: -1,
    extraArgs: options.args ?? [],
    readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    token: options.token,
    tls: options.tls,
  });
  try {
    await server.start();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** A port that was free a moment ago (bind port 0, read it, close). Callers retry on collision. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a cluster of nats-servers (3 by default) with full-mesh routes on 127.0.0.1 and
 * resolves once every node has a route to every other (and, with JetStream, a meta leader).
 * Route ports must be known before the nodes start, so they are picked free and the whole
 * start is retried if one was taken in the meantime.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const nodes = options.nodes ?? 3;
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new NatsServerError(`a cluster needs at least 1 node, got ${nodes}`, "pass nodes: 3");
  }
  const binary = findNatsServer();
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const clusterPorts: number[] = [];
    while (clusterPorts.length < nodes) {
      const p = await freePort();
      if (!clusterPorts.includes(p)) clusterPorts.push(p);
    }
    const clusterName = randomName("ipc-atlas-cluster");
    // With a token for clients, routes need a secret too: else anyone could join as a node.
    const routePassword = options.token ? randomBytes(24).toString("base64url") : undefined;
    const servers: ManagedServer[] = [];
    try {
      for (let i = 0; i < nodes; i++) {
        servers.push(
          await newServer(binary, {
            name: `${clusterName}-n${i + 1}`,
            jetstream: options.jetstream ?? false,
            port: -1,
            monitorPort: -1,
            clusterPort: clusterPorts[i] as number,
            clusterName,
            routes: clusterPorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`),
            extraArgs: [],
            readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
            token: options.token,
            tls: options.tls,
            routePassword,
          }),
        );
      }
      // Start all at once: with JetStream a node waits for its peers before it is ready.
      await Promise.all(servers.map((s) => s.start()));
      await waitForMesh(servers, options.jetstream ?? false, options.readyTimeoutMs ?? 15_000);
      let stopped = false;
      return {
        urls: servers.map((s) => s.url),
        servers,
        token: options.token,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await Promise.all(servers.map((s) => s.stop()));
        },
      };
    } catch (error) {
      lastError = error;
      await Promise.all(servers.map((s) => s.stop()));
      const portTaken =
        error instanceof NatsServerError && /address already in use/i.test(String(error.details?.log));
      if (!portTaken) throw error;
    }
  }
  throw lastError;
}

/** Polls /routez (and /jsz) on every node until the mesh is complete. */
async function waitForMesh(servers: ManagedServer[], jetstream: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const want = servers.length - 1;
  for (;;) {
    const states = await Promise.all(
      servers.map(async (s) => {
        const routez = (await getJson(`${s.monitorUrl}/routez`)) as { num_routes?: number } | undefined;
        let leader = true;
        if (jetstream) {
          const jsz = (await getJson(`${s.monitorUrl}/jsz`)) as
            | { meta_cluster?: { leader?: string } }
            | undefined;
          leader = Boolean(jsz?.meta_cluster?.leader);
        }
        return { name: s.name, routes: routez?.num_routes ?? 0, leader };
      }),
    );
    if (states.every((st) => st.routes >= want && st.leader)) return;
    if (Date.now() > deadline) {
      throw new NatsServerError(
        `the ${servers.length}-node cluster did not form within ${timeoutMs} ms`,
        "check the nodes' logs in details",
        { states, logs: servers.map((s) => s.log()) },
      );
    }
    await sleep(50);
  }
}

/** GET a monitoring endpoint (/varz, /routez, ...) as JSON; undefined when it does not answer. */
export function monitorJson(url: string): Promise<unknown> {
  return getJson(url);
}

/** GET without keep-alive, so no idle socket holds the event loop open. */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve) => {
    const request = httpGet(url, { agent: false, timeout: 2000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (d: string) => {
        body += d;
      });
      response.on("end", () => {
        try {
          resolve(response.statusCode === 200 ? JSON.parse(body) : undefined);
        } catch {
          resolve(undefined);
        }
      });
      response.on("error", () => resolve(undefined));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}
