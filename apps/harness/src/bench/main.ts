/**
 * Runs the benchmark without the `ipc-atlas` command: builds the registry from every
 * package's `variants` export that imports, then calls runBench with the options of
 * `ipc-atlas bench`.
 *
 *   node --import tsx apps/harness/src/bench/main.ts [ids…] [--sizes 64,1024,65536]
 *     [--messages N | --seconds S] [--json FILE] [--html FILE] [--quick] [--round-trip]
 *     [--rounds R] [--rates 1000,10000] [--pin]
 */

import { parseArgs } from "node:util";
import { loadRegistry } from "../registry.ts";
import { runBench } from "./index.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: "string" },
    messages: { type: "string" },
    seconds: { type: "string" },
    json: { type: "string" },
    html: { type: "string" },
    quick: { type: "boolean", default: false },
    "round-trip": { type: "boolean", default: false },
    rounds: { type: "string" },
    rates: { type: "string" },
    pin: { type: "boolean", default: false },
  },
});

const { registry, failures } = await loadRegistry();
for (const { packageName, error } of failures) {
  process.stderr.write(`skipping ${packageName}: ${(error as Error)?.message ?? error}\n`);
}
const quick = values.quick ?? false;
const code = await runBench(registry, {
  ids: positionals,
  sizes: values.sizes ? values.sizes.split(",").map(Number) : [],
  ...(values.messages ? { messages: Number(values.messages) } : {}),
  ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
  ...(values.json ? { json: values.json } : {}),
  ...(values.html ? { html: values.html } : {}),
  quick,
  mode: values["round-trip"] ? "round-trip" : "one-way",
  ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
  ...(values.rates
    ? {
        rates: values.rates
          .split(",")
          .map(Number)
          .filter((n) => n > 0),
      }
    : {}),
  pin: values.pin ?? false,
});
process.exit(code);
