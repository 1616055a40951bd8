#!/usr/bin/env node

/**
 * The `ipc-atlas` command: list the catalogue, explain a variant, run demos, benchmark.
 * Run from the repository root as `pnpm ipc-atlas <command>`.
 */

import { IpcError } from "@ipc-atlas/core";
import { Command, InvalidArgumentError } from "commander";
import { runDemos } from "./demo.ts";
import { explain } from "./explain.ts";
import { renderTree, summaryLine } from "./list.ts";
import { loadRegistry } from "./registry.ts";

const { registry, packages, failures } = await loadRegistry();
for (const { packageName, error } of failures) {
  console.error(
    `warning: ${packageName} did not load: ${error instanceof Error ? error.message : String(error)}`,
  );
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

function sizes(value: string): number[] {
  const list = value.split(",").map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InvalidArgumentError("expected sizes in bytes separated by commas, e.g. 64,1024,65536");
  }
  return list;
}

function rateList(value: string): number[] {
  const list = value.split(",").map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new InvalidArgumentError(
      "expected messages per second separated by commas, e.g. 1000,10000 (0 skips the latency pass)",
    );
  }
  return list.filter((n) => n > 0);
}

interface DemoFlags {
  all?: boolean;
  role?: string;
  host?: string;
  port?: number;
  connect?: string;
  tls?: boolean;
  insecure?: boolean;
}

const demoEnvironment: ReadonlyArray<[keyof DemoFlags, string]> = [
  ["role", "IPC_ATLAS_ROLE"],
  ["host", "IPC_ATLAS_HOST"],
  ["port", "IPC_ATLAS_PORT"],
  ["connect", "IPC_ATLAS_CONNECT"],
  ["tls", "IPC_ATLAS_TLS"],
  ["insecure", "IPC_ATLAS_INSECURE"],
];

const program = new Command()
  .name("ipc-atlas")
  .description("Learn, run and measure inter-process communication from TypeScript.")
  .showHelpAfterError();

program
  .command("list")
  .description("print the taxonomy tree with every variant, marked available or not")
  .action(() => {
    console.log(renderTree(registry, process.stdout.isTTY));
    console.log("");
    console.log(summaryLine(registry));
  });

program
  .command("explain")
  .description("print what a variant is, where it sits and its semantics")
  .argument("<id>", "variant id (see `ipc-atlas list`)")
  .action((id: string) => {
    process.stdout.write(explain(registry.get(id), packages.get(id)?.name));
  });

program
  .command("demo")
  .description("run a variant's narrated demo (or all of them)")
  .argument("[ids...]", "variant ids")
  .option("--all", "run every available variant's demo")
  .option("--role <role>", "network demos across two machines: run only the consumer or the producer half")
  .option("--host <host>", "network demos: the interface the consumer listens on (default 127.0.0.1)")
  .option("--port <port>", "network demos: the port the consumer listens on", positiveInt)
  .option("--connect <host:port>", "network demos: where the producer half connects")
  .option(
    "--tls",
    "network demos: TLS with a certificate authority made for the endpoint (needed beyond loopback)",
  )
  .option(
    "--insecure",
    "network demos: no token, and no TLS beyond loopback: anyone who reaches the port may send",
  )
  .action(async (ids: string[], options: DemoFlags) => {
    // Demos take no arguments; the two-machine options reach them as environment variables,
    // which is also how a demo's child processes inherit them.
    for (const [flag, variable] of demoEnvironment) {
      const value = options[flag];
      if (value !== undefined) process.env[variable] = String(value);
    }
    if (!options.all && ids.length === 0) {
      throw new InvalidArgumentError("name one or more variant ids, or pass --all (see `ipc-atlas list`)");
    }
    for (const id of ids) registry.get(id); // unknown ids fail before anything runs
    process.exitCode = await runDemos(registry, options.all ? "all" : ids);
  });

program
  .command("bench")
  .description("benchmark variants the same way: throughput, latency, CPU, memory, native ceilings")
  .argument("[ids...]", "variant ids (default: every available variant)")
  .option("--sizes <list>", "message sizes in bytes", sizes, [64, 1024, 65536])
  .option("--messages <n>", "messages per measured run", positiveInt)
  .option("--seconds <s>", "measure for this long instead of a message count", positiveInt)
  .option("--round-trip", "measure ping-pong round trips instead of one-way delivery")
  .option("--json <file>", "write the results as JSON")
  .option("--html <file>", "write a self-contained HTML report with charts")
  .option("--quick", "small runs for a fast overview of every variant (one round)")
  .option("--rounds <n>", "throughput rounds, variants taking turns (default 3, 1 with --quick)", positiveInt)
  .option(
    "--rates <list>",
    "the latency pass's offered rates in msg/s (default 1000,10000; 0 skips it)",
    rateList,
  )
  .option("--pin", "producer and consumer (and the C pairs) on different CPUs")
  .action(
    async (
      ids: string[],
      options: {
        sizes: number[];
        messages?: number;
        seconds?: number;
        roundTrip?: boolean;
        json?: string;
        html?: string;
        quick?: boolean;
        rounds?: number;
        rates?: number[];
        pin?: boolean;
      },
    ) => {
      for (const id of ids) registry.get(id);
      const { runBench } = await import("./bench/index.ts");
      process.exitCode = await runBench(registry, {
        ids,
        sizes: options.sizes,
        ...(options.messages ? { messages: options.messages } : {}),
        ...(options.seconds ? { seconds: options.seconds } : {}),
        ...(options.json ? { json: options.json } : {}),
        ...(options.html ? { html: options.html } : {}),
        quick: options.quick ?? false,
        mode: options.roundTrip ? "round-trip" : "one-way",
        ...(options.rounds ? { rounds: options.rounds } : {}),
        ...(options.rates ? { rates: options.rates } : {}),
        pin: options.pin ?? false,
      });
    },
  );

program
  .command("report")
  .description("print a saved benchmark (from bench --json) as a table, and optionally as an HTML report")
  .argument("<json>", "a file written by `ipc-atlas bench --json`")
  .option("--html <file>", "write a self-contained HTML report with charts")
  .action(async (file: string, options: { html?: string }) => {
    const { readFile, writeFile } = await import("node:fs/promises");
    const { renderText } = await import("./bench/report-text.ts");
    const { renderHtml } = await import("./bench/report-html.ts");
    const report = JSON.parse(await readFile(file, "utf8"));
    console.log(renderText(report));
    if (options.html) {
      await writeFile(options.html, renderHtml(report));
      console.log(`HTML report: ${options.html}`);
    }
  });

try {
  await program.parseAsync();
} catch (error) {
  // Typed errors already say what to do; print them without a stack trace.
  if (error instanceof IpcError || error instanceof InvalidArgumentError) {
    console.error(`error: ${error.message}`);
    process.exitCode = 2;
  } else throw error;
}
