/**
 * The catalogue generator and drift check. Pages in docs/ are written by hand, with generated
 * blocks between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` that this script fills
 * from the code: navigation, where the variant sits, its semantics, the demo's code, the
 * transcript of running the demo, and its benchmark numbers (from docs/results.json).
 *
 *   node --import tsx apps/harness/src/docs.ts --write   regenerate every block
 *   node --import tsx apps/harness/src/docs.ts --check   fail if a committed page differs
 *
 * Transcripts come from really running each demo. What the scheduler decides differs from run
 * to run — times, pids, ports, temp paths, which member of a queue group gets a message, how
 * lines of different processes interleave — so the check compares them normalised: numbers
 * become N, and each actor's lines are compared as a sorted list. A demo that says something
 * else, adds or drops an event, or changes an actor still fails the check.
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type AnyVariant,
  isVariantId,
  taxonomy,
  taxonomyPath,
  type VariantRegistry,
  variantIds,
} from "@ipc-atlas/core";
import { apiDir, apiDrift, renderApi } from "./api-docs.ts";
import type { BenchReport, BenchResult } from "./bench/index.ts";
import { formatRatio, summaryLine } from "./bench/report-text.ts";
import { catalogue, semanticsColumns } from "./catalogue.ts";
import { runDemo } from "./demo.ts";
import { loadRegistry } from "./registry.ts";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const docs = `${repoRoot}docs/`;

type Blocks = Record<string, string>;

const BLOCK = /<!-- generated:([a-z0-9-]+) -->\n([\s\S]*?)<!-- \/generated:\1 -->/g;

export function readBlocks(text: string): Blocks {
  const blocks: Blocks = {};
  for (const match of text.matchAll(BLOCK)) blocks[match[1]!] = match[2]!;
  return blocks;
}

export function fillBlocks(text: string, blocks: Blocks): string {
  return text.replace(BLOCK, (whole, name: string) =>
    name in blocks ? `<!-- generated:${name} -->\n${blocks[name]}<!-- /generated:${name} -->` : whole,
  );
}

// ── normalising transcripts ──────────────────────────────────────────────────────────────

export function normaliseLine(line: string): string {
  return line
    .replace(/\+\d+\.\d{3}s/g, "+T")
    .replace(/\bpid \d+/g, "pid N")
    .replace(/(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):\d+/g, "$1:PORT")
    .replace(/\bport \d+/g, "port N")
    .replace(/\/tmp\/[^\s"'`),]+/g, "/tmp/…")
    .replace(/\b[0-9a-f]{6,}\b/g, "HEX")
    .replace(/\b\d+(\.\d+)? ?(ms|µs|us|s)\b/g, "N $2")
    .replace(/\d+(\.\d+)?/g, "N")
    .replace(/\bN (\w+?)s\b/g, "N $1") // "1 message", "3 messages"
    .replace(/\s+/g, " ")
    .trim();
}

/** Normalised lines grouped by actor (the column after the time), each group sorted. */
export function byActor(transcript: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const raw of transcript.split("\n")) {
    const line = normaliseLine(raw);
    if (!line) continue;
    const actor = /^\+T (\S+)/.exec(line)?.[1] ?? "·";
    groups.set(actor, [...(groups.get(actor) ?? []), line]);
  }
  for (const lines of groups.values()) lines.sort();
  return groups;
}

/** Normalised lines found in only one of two transcripts, for the check's message. */
export function transcriptDiff(committed: string, fresh: string): string[] {
  const a = [...byActor(committed).values()].flat();
  const b = [...byActor(fresh).values()].flat();
  return [
    ...a.filter((line) => !b.includes(line)).map((line) => `- ${line}`),
    ...b.filter((line) => !a.includes(line)).map((line) => `+ ${line}`),
  ];
}

export function sameTranscript(a: string, b: string): boolean {
  const ga = byActor(a);
  const gb = byActor(b);
  if (ga.size !== gb.size) return false;
  for (const [actor, lines] of ga) {
    if (JSON.stringify(lines) !== JSON.stringify(gb.get(actor))) return false;
  }
  return true;
}

// ── the generated blocks ─────────────────────────────────────────────────────────────────

const link = (id: string) => `[${id}](${id}.md)`;

function nav(id: string): string {
  const i = (variantIds as readonly string[]).indexOf(id);
  const prev = variantIds[i - 1];
  const next = variantIds[i + 1];
  return `${[
    prev ? `[← ${prev}](${prev}.md)` : "[← catalogue](README.md)",
    "[catalogue](README.md)",
    next ? `[${next} →](${next}.md)` : "[comparison →](comparison.md)",
  ].join(" · ")}\n`;
}

function where(id: (typeof variantIds)[number]): string {
  const t = taxonomy[id];
  return `${[
    "| | |",
    "| --- | --- |",
    `| path | ${taxonomyPath(id).join(" › ")} |`,
    `| scope | ${t.scope} |`,
    `| model | ${t.model} |`,
    `| timing | ${t.timing} |`,
    `| medium | ${t.medium} |`,
    `| package | \`${t.packageName}\` |`,
  ].join("\n")}\n`;
}

function semantics(id: (typeof variantIds)[number]): string {
  const s = catalogue[id].semantics;
  return `${["| | |", "| --- | --- |", ...semanticsColumns.map(([key, title]) => `| ${title} | ${s[key] ?? "—"} |`)].join("\n")}\n`;
}

/** The function `name` in `source`, with the comment block right above it. */
export function extractFunction(source: string, name: string): string {
  const lines = source.split("\n");
  const start = lines.findIndex((line) => new RegExp(`^(export )?(async )?function ${name}\\b`).test(line));
  if (start === -1) throw new Error(`no top-level function ${name}`);
  const end = lines.findIndex((line, i) => i > start && line === "}");
  let first = start;
  while (first > 0 && /^(\/\*\*|\s\*|\/\/)/.test(lines[first - 1]!)) first--;
  return lines.slice(first, end + 1).join("\n");
}

function code(id: (typeof variantIds)[number]): string {
  return catalogue[id].demoSources
    .map((source) => {
      const [path, name] = source.split("#") as [string, string | undefined];
      const text = readFileSync(`${repoRoot}${path}`, "utf8").trimEnd();
      const shown = name ? extractFunction(text, name) : text;
      const title = name ? `\`${path}\`, function \`${name}\`` : `\`${path}\``;
      return `${title}\n\n\`\`\`ts\n${shown}\n\`\`\`\n`;
    })
    .join("\n");
}

function loadResults(): BenchReport | undefined {
  const path = `${docs}results.json`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as BenchReport) : undefined;
}

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined
    ? "–"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function numbersTable(rows: BenchResult[]): string {
  if (rows.length === 0) return "No benchmark results for this variant yet.\n";
  const lines = [
    "| variant | size | msg/s | MB/s | p50 µs | p99 µs | p99.9 µs | native C msg/s | Node ÷ C |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    if (r.status !== "ok") {
      lines.push(`| ${r.variant} | ${r.size} | ${r.status}: ${r.reason ?? ""} | | | | | | |`);
      continue;
    }
    const ratio = r.native?.ratio ? formatRatio(r.native.ratio) : "–";
    lines.push(
      `| ${r.variant} | ${r.size} | ${fmt(r.msgPerSec)} | ${fmt(r.mbPerSec, 1)} | ${fmt(r.latencyUs?.p50, 1)} | ${fmt(r.latencyUs?.p99, 1)} | ${fmt(r.latencyUs?.p999, 1)} | ${fmt(r.native?.msgPerSec)} | ${ratio} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function machine(report: BenchReport): string {
  const e = report.environment;
  return `${e.cpu}, ${e.cores} cores, ${e.kernel}, Node ${e.node}, ${e.date.slice(0, 10)}, load average ${e.loadAverage[0]} at the start${e.quick ? ", `--quick`" : ""}`;
}

function numbers(id: string): string {
  const results = loadResults();
  if (!results) return "No benchmark results yet: run `pnpm ipc-atlas bench --json docs/results.json`.\n";
  const rows = results.results.filter((r) => r.variant === id || r.variant.startsWith(`${id}-`));
  return `${numbersTable(rows)}\nFrom \`docs/results.json\`: ${machine(results)}. See [benchmarks](benchmarks.md) for the method.\n`;
}

async function transcript(variant: AnyVariant | undefined): Promise<string> {
  if (!variant?.demo) return "This variant has no demo yet.\n";
  const lines: string[] = [];
  await runDemo(variant, { write: (line) => lines.push(line) });
  return `\`\`\`text\n$ pnpm ipc-atlas demo ${variant.id}\n${lines.join("\n").trimEnd()}\n\`\`\`\n`;
}

function tree(prefix: string): string {
  // The README's and the catalogue's tree: the taxonomy, every leaf linked to its page.
  const out: string[] = [];
  let last: string[] = [];
  for (const id of variantIds) {
    const path = taxonomyPath(id);
    path.slice(0, -1).forEach((part, depth) => {
      if (last[depth] !== part) {
        out.push(`${"  ".repeat(depth)}- ${depth === 0 ? `**${part}**` : part}`);
        last = [...path.slice(0, depth + 1)];
      }
    });
    const flagship = id === "message-queues" ? " ◀ **you are here: the flagship**" : "";
    out.push(
      `${"  ".repeat(path.length - 1)}- [${id}](${prefix}${id}.md) — ${taxonomy[id].medium}${flagship}`,
    );
  }
  return `${out.join("\n")}\n`;
}

function toc(): string {
  return `${variantIds.map((id, i) => `${i + 1}. ${link(id)} — ${taxonomy[id].medium}`).join("\n")}\n`;
}

function comparison(): string {
  const header = `| variant | timing | ${semanticsColumns.map(([, t]) => t).join(" | ")} |`;
  const rule = `| --- | --- | ${semanticsColumns.map(() => "---").join(" | ")} |`;
  const rows = variantIds.map(
    (id) =>
      `| [${id}](${id}.md) | ${taxonomy[id].timing} | ${semanticsColumns.map(([key]) => catalogue[id].semantics[key] ?? "—").join(" | ")} |`,
  );
  return `${[header, rule, ...rows].join("\n")}\n`;
}

function benchSummary(size: number): string {
  const results = loadResults();
  if (!results) return "No benchmark results yet.\n";
  const rows = results.results.filter((r) => r.size === size);
  return `${summaryLine(rows) ?? ""}\n\n${numbersTable(rows)}\n${machine(results)}.\n`;
}

/** The README's headline: one line per size, and the flagship against its C ceiling. */
function headline(): string {
  const results = loadResults();
  if (!results) return "No benchmark results yet: run `pnpm ipc-atlas bench --json docs/results.json`.\n";
  const lines = [64, 1024].map((size) => {
    const rows = results.results.filter((r) => r.size === size);
    return `- ${size} B — ${summaryLine(rows) ?? "no figures"}`;
  });
  for (const size of [64, 1024]) {
    const mq = results.results.find(
      (r) => r.variant === "message-queues" && r.size === size && r.status === "ok",
    );
    if (mq?.native?.ratio) {
      lines.push(
        `- message-queues at ${size} B: ${fmt(mq.msgPerSec)} msg/s, ${formatRatio(mq.native.ratio)} the same workload in C (${fmt(mq.native.msgPerSec)} msg/s)`,
      );
    }
  }
  return `${lines.join("\n")}\n\nMeasured on ${machine(results)}; every table in [comparison](docs/comparison.md) and [benchmarks](docs/benchmarks.md).\n`;
}

// ── the pages ────────────────────────────────────────────────────────────────────────────

export interface DocFile {
  path: string;
  blocks: (registry: VariantRegistry) => Promise<Blocks>;
}

export function docFiles(): DocFile[] {
  const pages: DocFile[] = variantIds.map((id) => ({
    path: `${docs}${id}.md`,
    blocks: async (registry) => {
      const blocks: Blocks = {
        nav: nav(id),
        where: where(id),
        semantics: semantics(id),
        code: code(id),
        transcript: await transcript(registry.has(id) ? registry.get(id) : undefined),
        numbers: numbers(id),
      };
      // Extra implementations of the same idea (message-queues-jetstream) get their own transcript.
      for (const extra of registry.list().filter((v) => v.id.startsWith(`${id}-`) && !isVariantId(v.id))) {
        blocks[`transcript-${extra.id}`] = await transcript(extra);
      }
      return blocks;
    },
  }));
  return [
    ...pages,
    { path: `${docs}README.md`, blocks: async () => ({ tree: tree(""), toc: toc() }) },
    {
      path: `${docs}comparison.md`,
      blocks: async () => ({
        comparison: comparison(),
        "bench-64": benchSummary(64),
        "bench-1024": benchSummary(1024),
      }),
    },
    {
      path: `${docs}benchmarks.md`,
      blocks: async () => ({
        "bench-64": benchSummary(64),
        "bench-1024": benchSummary(1024),
        "bench-65536": benchSummary(65536),
      }),
    },
    { path: `${repoRoot}README.md`, blocks: async () => ({ tree: tree("docs/"), headline: headline() }) },
  ];
}

/** Regenerates every page; returns the pages whose committed text differs. */
export async function generate(write: boolean): Promise<string[]> {
  const { registry } = await loadRegistry();
  const drifted: string[] = [];
  for (const file of docFiles()) {
    if (!existsSync(file.path)) {
      drifted.push(`${file.path} (missing)`);
      continue;
    }
    const current = readFileSync(file.path, "utf8");
    const old = readBlocks(current);
    const fresh = await file.blocks(registry);
    // Keep a committed transcript that matches the fresh one once normalised: no churn.
    const notes: string[] = [];
    for (const name of Object.keys(fresh).filter((n) => n.startsWith("transcript"))) {
      const committed = old[name];
      if (committed === undefined) continue;
      if (sameTranscript(committed, fresh[name]!)) fresh[name] = committed;
      else notes.push(`${name}:`, ...transcriptDiff(committed, fresh[name]!).map((line) => `  ${line}`));
    }
    const missingBlocks = Object.keys(fresh).filter((name) => !(name in old));
    const next = fillBlocks(current, fresh);
    if (next !== current || missingBlocks.length > 0) {
      const changed = Object.keys(fresh).filter((name) => old[name] !== fresh[name]);
      drifted.push(
        `${file.path.replace(repoRoot, "")} (${missingBlocks.length ? `no block for: ${missingBlocks.join(", ")}` : `changed: ${changed.join(", ")}`})`,
        ...notes.map((note) => `    ${note}`),
      );
      if (write) writeFileSync(file.path, next);
    }
  }
  // The API reference of the published packages (docs/api/), from their JSDoc.
  const api = await apiDrift();
  drifted.push(...api);
  if (write && api.length > 0) await renderApi(apiDir);
  return drifted;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const write = process.argv.includes("--write");
  const drifted = await generate(write);
  if (write) console.log(drifted.length ? `updated: ${drifted.join(", ")}` : "docs are up to date");
  else if (drifted.length) {
    console.error(`docs drifted from the code (run \`pnpm docs\` and commit):\n  ${drifted.join("\n  ")}`);
    process.exitCode = 1;
  } else console.log("docs match the code");
  // Demos may leave servers' sockets to close in the background; the check is done.
  process.exit();
}
