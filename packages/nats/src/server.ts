/**
 * Starting a real nats-server for demos, tests and benchmarks, and managing it: stop, halt,
 * start again on the same port and store, kill.
 *
 * The server is a child process bound to 127.0.0.1 on a port the kernel picks (`-p -1`); it
 * tells which one through a ports file (`--ports_file_dir`). JetStream, when asked, stores in a
 * private temporary directory. Everything a server leaves on disk lives in one temp directory
 * that `stop()` removes. Three layers make sure nothing outlives the program that started it:
 * `stop()` itself, and the exit hook and watchdog of watchdog.ts. What the server is told (and
 * why secrets go to a 0600 config file, not argv) is in server-config.ts; clusters are in
 * cluster.ts; where the binary is found, in binary.ts.
 *
 * `NATS_URL` (comma-separated for a cluster) names servers that already run; the variants use
 * them instead of starting their own (see `natsUrlsFromEnv`).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { IpcError, registerErrorClass, TimeoutError, type TlsMaterial } from "@ipc-atlas/core";
import { findNatsServer, installHint } from "./binary.ts";
import { type ServerPlan, serverArgs, writeServerConfig } from "./server-config.ts";
import { startWatchdog, type Tracked, track, untrack } from "./watchdog.ts";

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

const LOG_LINES = 40;

interface Ports {
  nats?: string[];
  monitoring?: string[];
  cluster?: string[];
}

/** A name unlikely to collide with another run's (servers and clusters are named). */
export function randomName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** One nats-server process, started again on the same port and store after a halt. */
export class ManagedServer implements NatsServer {
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
    track(this.tracked);
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

  private args(config?: string): string[] {
    return serverArgs(this.plan, this.dir, config);
  }

  async start(): Promise<void> {
    if (this.stopped) throw new NatsServerError("this nats-server was stopped", "start a new one");
    if (this.running) return;
    await mkdir(join(this.dir, "ports"), { recursive: true });
    const config = await writeServerConfig(this.plan, this.dir);
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
    untrack(this.tracked);
  }
}

function portOf(url: string | undefined): number | undefined {
  if (!url) return undefined;
  const port = Number(new URL(url).port);
  return Number.isInteger(port) && port > 0 ? port : undefined;
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

/** A server in a private temporary directory of its own, not started yet. */
export async function newServer(binary: string, plan: ServerPlan): Promise<ManagedServer> {
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
