/**
 * Starting programs as separate OS processes. Inter-process variants are shown, tested and
 * measured with producer and consumer in different processes; this module starts those
 * processes (a TypeScript file through tsx, so the workspace runs from source like everything
 * else; JavaScript as it is), keeps track of them and ends every one of them when the parent
 * exits, whatever the reason.
 */

import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AddressError, IpcError, PeerGoneError } from "./errors.ts";
import type { NarrationLine, Narrator } from "./narrator.ts";

/**
 * tsx's loader, resolved from core so that any package's child finds it; the bare name "tsx"
 * where tsx is not installed (an installed ipc-atlas runs JavaScript and does not need it).
 */
export const tsxLoader: string = (() => {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  } catch {
    return "tsx";
  }
})();

/**
 * The export condition under which ipc-atlas packages resolve to their TypeScript sources.
 * When this module itself runs from source, the workspace is running from source, and so must
 * the children it starts; an installed ipc-atlas (built JavaScript) starts them without it.
 */
const SOURCE_CONDITION = "@ipc-atlas/source";
const fromSource = import.meta.url.endsWith(".ts");

/** The number of a signal (SIGSEGV → 11), from the OS's own table; 0 for a name it does not know. */
export function signalNumber(signal: string): number {
  return (constants.signals as Record<string, number | undefined>)[signal] ?? 0;
}

/** A process's exit as one number, the way a shell reports it: the code, or 128 + the signal's number. */
export function exitCodeOf(code: number | null, signal: string | null): number {
  return code ?? 128 + (signal ? signalNumber(signal) : 0);
}

const exitTasks = new Set<() => void>();
const EXIT_SIGNALS = ["SIGHUP", "SIGINT", "SIGTERM"] as const;

/**
 * Runs `task` when this process exits: a normal end, process.exit(), or a SIGINT, SIGTERM or
 * SIGHUP that would end the process anyway. Node runs no 'exit' handlers when a signal kills it,
 * so for those three signals a listener is added that exits with 128 + n (what the signal itself
 * would have reported) and so runs the tasks, but only when nothing else listens for that signal
 * at that moment: a program that handles SIGINT itself (say, to finish a batch) keeps its choice,
 * and a library that calls atExit never ends a program that did not ask for it. The task must be
 * synchronous: 'exit' waits for nothing. The same function registers once however often it is
 * passed.
 */
export function atExit(task: () => void): void {
  if (exitTasks.size === 0) {
    process.once("exit", () => {
      for (const t of exitTasks) t();
    });
    for (const signal of EXIT_SIGNALS) {
      const onSignal = () => {
        if (process.listenerCount(signal) > 1) return; // the program handles it
        process.off(signal, onSignal);
        process.exit(128 + signalNumber(signal));
      };
      process.on(signal, onSignal);
    }
  }
  exitTasks.add(task);
}

const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const child of children) child.kill("SIGKILL");
};

export interface SpawnOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Narration from the child (via childNarrator) is forwarded here. */
  narrator?: Narrator;
  /** Where the child's stdout/stderr go: inherited by default; "pipe" to capture. */
  stdio?: "inherit" | "pipe";
}

export interface ChildHandle {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or 128+signal) when the child ends. */
  readonly exited: Promise<number>;
  /** Captured output when stdio is "pipe". */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * In a child started with spawnScript: resolves when the parent sends `{ go: true }` over the
 * IPC channel, so that several children can start a step at the same moment. Listens from the
 * call on (call it before telling the parent you are ready), and stops listening once told:
 * a 'message' listener would keep the channel, and so the process, alive.
 */
export function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: { go?: boolean } | null) => {
      if (!message?.go) return;
      process.off("message", onMessage);
      resolve();
    };
    process.on("message", onMessage);
  });
}

/**
 * A child process gets its endpoint's address in this environment variable, as JSON: the
 * address may hold the endpoint's token, and a command line is visible to every user (`ps`).
 */
export const ADDRESS_ENV = "IPC_ATLAS_ADDRESS";

/** The environment for a child process that needs `address` (this process's, plus the address). */
export function addressEnv(address: unknown): NodeJS.ProcessEnv {
  return { ...process.env, [ADDRESS_ENV]: JSON.stringify(address) };
}

/** In a child process: the address its parent handed over with `addressEnv`; AddressError without one. */
export function addressFromEnv<Address>(): Address {
  const json = process.env[ADDRESS_ENV];
  if (!json) {
    throw new AddressError(
      "EINVAL",
      `${ADDRESS_ENV} is not set: this program expects its endpoint's address from its parent`,
      `start it through its demo (pnpm ipc-atlas demo <id>), or set ${ADDRESS_ENV} to the JSON of the address open() returned`,
    );
  }
  return JSON.parse(json) as Address;
}

/**
 * The parent's side of the same handshake: resolves when `child` sends `{ ready: true }`, and
 * fails with PeerGoneError (naming `what`, with its captured output) if it exits first, so a
 * demo never waits for ever on a child that died while starting. A child's rejection that
 * nobody awaits yet is not an unhandled one.
 */
export function childReady(child: ChildHandle, what: string): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (message: { ready?: boolean } | null) => {
      if (!message?.ready) return;
      child.process.off("message", onMessage);
      resolve();
    };
    child.process.on("message", onMessage);
    void child.exited.then((code) => {
      const output = child.output().trim();
      reject(
        new PeerGoneError(
          `${what} exited with code ${code} before it was ready${output ? `: ${output}` : ""}`,
        ),
      );
    });
  });
  ready.catch(() => {});
  return ready;
}

/**
 * Where a script named by its TypeScript path really is: the path itself, or, in a package
 * published as built JavaScript (where `new URL("../examples/x.ts", import.meta.url)` in a
 * module compiled to dist/src/ points into dist/examples/), the .js file compiled beside it.
 */
function scriptPath(script: string | URL): string {
  const path = typeof script === "string" && !script.startsWith("file:") ? script : fileURLToPath(script);
  if (!path.endsWith(".ts") || existsSync(path)) return path;
  const compiled = `${path.slice(0, -3)}.js`;
  return existsSync(compiled) ? compiled : path;
}

/** Node options a child needs to run `path`: tsx for TypeScript, the source condition from source. */
function childExecArgv(path: string): string[] {
  const execArgv = fromSource ? [`--conditions=${SOURCE_CONDITION}`] : [];
  if (!/\.[mc]?ts$/.test(path)) return execArgv;
  if (tsxLoader === "tsx")
    throw new IpcError(
      "ENOPROGRAM",
      `starting the TypeScript file ${path} needs tsx, which is not installed`,
      {
        hint: "npm install tsx, or start the compiled JavaScript file instead",
      },
    );
  return [...execArgv, "--import", tsxLoader];
}

/** Runs a TypeScript (or JavaScript) file as a child Node process with an IPC channel. */
export function spawnScript(script: string | URL, options: SpawnOptions = {}): ChildHandle {
  atExit(killChildren);
  const path = scriptPath(script);
  const child = fork(path, options.args ?? [], {
    execArgv: childExecArgv(path),
    env: options.env ?? process.env,
    serialization: "advanced",
    stdio:
      options.stdio === "pipe" ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(child);
  let captured = "";
  child.stdout?.on("data", (d: Buffer) => {
    captured += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    captured += d.toString();
  });
  const narrator = options.narrator;
  if (narrator) {
    child.on("message", (m: { narrate?: NarrationLine; narrateNote?: string }) => {
      if (m?.narrate) narrator.say(m.narrate.actor, m.narrate.event, m.narrate.detail);
      else if (typeof m?.narrateNote === "string") narrator.note(m.narrateNote);
    });
  }
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve(exitCodeOf(code, signal));
    });
  });
  if (child.pid === undefined) throw new PeerGoneError(`could not start ${path}`);
  return {
    process: child,
    pid: child.pid,
    exited,
    output: () => captured,
    kill: (signal = "SIGTERM") => {
      child.kill(signal);
    },
  };
}

/** Process ids of the children started here that are still running (for leak checks). */
export function liveChildren(): number[] {
  return [...children].map((c) => c.pid!).filter((pid) => pid !== undefined);
}
