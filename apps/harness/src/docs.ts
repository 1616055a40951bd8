/**
 * The catalogue generator and drift check. Pages in docs/ are written by hand, with generated
 * blocks between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` that this script fills
 * from the code: navigation, where the variant sits, its semantics, the demo's code, the
 * transcript of running the demo, and its benchmark numbers (from docs/results.json).
 *
 *   node --import tsx apps/harness/src/docs.ts --write   regenerate every block
 *   node --import tsx apps/harness/src/docs.ts --check   fail if a committed page differs
 *   … --write --only tcp,tcp-ip                           regenerate those pages alone
 *
 * Transcripts come from really running each demo. What the scheduler decides differs from run
 * to run — times, pids, ports, temp paths, which member of a queue group gets a message, how
 * lines of different processes interleave — so the check compares them normalised: numbers
 * become N, and each actor's lines are compared as a sorted list. A demo that says something
 * else, adds or drops an event, or changes an actor still fails the check.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type AnyVariant, isInterProcess, semanticsColumns, taxonomyPath, variantIds } from "@ipc-atlas/core";
import { apiDir, apiDrift, renderApi } from "./api-docs.ts";
import { docCharts } from "./bench/charts.ts";
import type { BenchReport } from "./bench/index.ts";
import { formatLatency, formatRatio } from "./bench/report-text.ts";
import { runDemo } from "./demo.ts";
import { annotated } from "./docs/annotated.ts";
import { benchSummary as benchBlock, headline as benchHeadline, fmt, machine } from "./docs/bench-tables.ts";
import { renderChoosing, svgDrift } from "./docs/choosing.ts";
import { renderComparison } from "./docs/comparison.ts";
import { semanticsConcepts } from "./docs/concepts.ts";
import { pageTemplate } from "./docs/page-template.ts";
import { sameTranscript, transcriptDiff } from "./docs/transcripts.ts";
import { type LoadedRegistry, loadRegistry } from "./registry.ts";

export { byActor, normaliseLine, sameTranscript, transcriptDiff } from "./docs/transcripts.ts";

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

// ── the generated blocks ─────────────────────────────────────────────────────────────────

const link = (id: string) => `[${id}](${id}.md)`;

/**
 * The variants in the order the catalogue reads them: the taxonomy's order, and a variant beyond
 * the taxonomy right after the last one of its own package (the queue across hosts after the
 * queue).
 */
export function readingOrder(loaded: Pick<LoadedRegistry, "registry" | "packages">): AnyVariant[] {
  const all = loaded.registry.list();
  const inTaxonomy = all.filter((v) => (variantIds as readonly string[]).includes(v.id));
  const order = [...inTaxonomy];
  for (const extra of all.filter((v) => !inTaxonomy.includes(v))) {
    const home = loaded.packages.get(extra.id)?.name;
    const last = order.findLastIndex((v) => loaded.packages.get(v.id)?.name === home);
    order.splice(last === -1 ? order.length : last + 1, 0, extra);
  }
  return order;
}

/**
 * The catalogue's reading path, every page in it: concepts first, then the variants in reading
 * order, then the pages across them. Prev/Next follow it, so no page is a dead end.
 */
export function readingPath(order: readonly AnyVariant[]): string[] {
  return ["concepts", ...order.map((v) => v.id), "choosing", "comparison", "benchmarks", "guarantees"];
}

function nav(path: readonly string[], page: string): string {
  const i = path.indexOf(page);
  const prev = path[i - 1];
  const next = path[i + 1];
  // The first page goes back to the catalogue, the last one returns to it: never a dead end,
  // and never the same link twice.
  return `${[
    prev ? `[← ${prev}](${prev}.md)` : undefined,
    "[catalogue](README.md)",
    next ? `[${next} →](${next}.md)` : "[back to the start: concepts ↩](concepts.md)",
  ]
    .filter(Boolean)
    .join(" · ")}\n`;
}

function where(variant: AnyVariant, packageName: string): string {
  // One line: the breadcrumb a reader follows in the tree, the medium, and the package to install.
  return `**${taxonomyPath(variant).join(" › ")}** · ${variant.taxonomy.medium} · \`${packageName}\`\n`;
}

/** What a consumer sees when its producer's process dies, as the card states it (see the Consumer contract). */
export const producerDeathText = {
  end: "the iteration ends: the medium cannot tell a producer that died from one that closed",
  error: "the iteration fails with a typed error (`PeerGoneError`)",
  waits: "the consumer keeps waiting: the medium outlives its producers, and another producer can go on",
} as const;

function semantics(variant: AnyVariant): string {
  const card = cardOf(variant);
  const s = card.semantics;
  // Each row's title links to the concept it is about, for a reader meeting the word first here.
  const titled = (key: keyof typeof semanticsConcepts, title: string) =>
    semanticsConcepts[key] ? `[${title}](concepts.md#${semanticsConcepts[key]})` : title;
  const rows = semanticsColumns.map(([key, title]) => `| ${titled(key, title)} | ${s[key] ?? "—"} |`);
  if (card.producerDeath) rows.push(`| When the producer dies | ${producerDeathText[card.producerDeath]} |`);
  return `${["| | |", "| --- | --- |", ...rows].join("\n")}\n`;
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

/** A catalogue variant's card: every variant a package lists has one. */
function cardOf(variant: AnyVariant) {
  if (!variant.card) throw new Error(`variant ${variant.id} has no card: declare one beside it`);
  return variant.card;
}

/** A demo's orchestration file (spawning, ready messages, narration), as opposed to an example program. */
const isDemoFile = (file: string) => /(^|\/)demo[^/]*\.ts$/.test(file);

function code(variant: AnyVariant, packageDir: string): string {
  const sources = cardOf(variant).demoSources.map((source) => {
    const [file, name] = source.split("#") as [string, string | undefined];
    return { file, name, path: `${packageDir}${file}`.replace(repoRoot, "") };
  });
  // With example programs to show, the orchestration around them is a link, not the first
  // two hundred lines a reader meets.
  const hasExamples = sources.some((s) => !isDemoFile(s.file));
  const shown = sources.filter((s) => !(hasExamples && isDemoFile(s.file)));
  const linked = sources.filter((s) => hasExamples && isDemoFile(s.file));
  const blocks = shown.map(({ name, path }) => {
    const text = readFileSync(`${repoRoot}${path}`, "utf8").trimEnd();
    // A named function is an excerpt, shown as it is; a whole example program reads as text
    // beside its code.
    if (name)
      return `\`${path}\`, function \`${name}\`\n\n\`\`\`ts\n${extractFunction(text, name)}\n\`\`\`\n`;
    return `**[\`${path.replace(/^.*\/examples\//, "examples/")}\`](../${path})**\n\n${annotated(text)}`;
  });
  const links = linked.map(
    ({ path }) => `The demo that runs these programs and narrates them: [\`${path}\`](../${path}).\n`,
  );
  return [...blocks, ...links].join("\n");
}

function loadResults(): BenchReport | undefined {
  const path = `${docs}results.json`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as BenchReport) : undefined;
}

/** A page's numbers: one captioned line from the benchmark, the full tables on the benchmarks page. */
function numbers(id: string): string {
  const results = loadResults();
  if (!results) return "No benchmark results yet: run `pnpm ipc-atlas bench --json docs/results.json`.\n";
  const row = results.results.find((r) => r.variant === id && r.size === 64);
  if (!row) return "Not in the last benchmark run.\n";
  if (row.status !== "ok" || row.msgPerSec === null)
    return `At 64 B: ${row.status} (${row.reason ?? "no figure"}).\n`;
  const range = row.msgPerSecRange
    ? `, ${fmt(row.msgPerSecRange[0])}–${fmt(row.msgPerSecRange[1])} over the rounds`
    : "";
  const latency = formatLatency(row, 1000);
  const latencyText =
    latency === "—"
      ? ""
      : latency.startsWith("saturated") || latency === "failed"
        ? `; at 1,000 msg/s offered: ${latency}`
        : `; at 1,000 msg/s offered, latency p50 / p99 ${latency} µs`;
  const ceiling = row.native?.ratio
    ? `; ${formatRatio(row.native.ratio)} the best C design over the same ${row.native.mode === "round-trip" ? "round trip" : "mechanism"} (${row.native.design})`
    : "";
  return `**${fmt(row.msgPerSec)} msg/s** at 64 B (median${range})${latencyText}${ceiling}.\n\n_Medians over ${machine(results)}. One host, one day: compare rows of the same run, not with other machines. Every size and the method: [benchmarks](benchmarks.md)._\n`;
}

async function transcript(variant: AnyVariant | undefined): Promise<string> {
  if (!variant?.demo) return "This variant has no demo yet.\n";
  const lines: string[] = [];
  await runDemo(variant, { write: (line) => lines.push(line) });
  // Narration from child processes reaches the terminal through the parent: lines of different
  // processes are in the order they arrived there, which may differ from the order of the events.
  const caption = isInterProcess(variant.taxonomy.scope)
    ? "\nLines of different processes appear in the order the parent received them, which can differ by a few milliseconds from the order in which the events happened; each process's own lines are in order.\n"
    : "";
  return `\`\`\`text\n$ pnpm ipc-atlas demo ${variant.id}\n${lines.join("\n").trimEnd()}\n\`\`\`\n${caption}`;
}

function tree(order: readonly AnyVariant[], prefix: string): string {
  // The README's and the catalogue's tree: the taxonomy, every leaf linked to its page.
  const out: string[] = [];
  let last: string[] = [];
  const byPlace = [...order].sort((a, b) => placeRank(a) - placeRank(b));
  for (const variant of byPlace) {
    const id = variant.id;
    const path = taxonomyPath(variant);
    path.slice(0, -1).forEach((part, depth) => {
      if (last[depth] !== part) {
        out.push(`${"  ".repeat(depth)}- ${depth === 0 ? `**${part}**` : part}`);
        last = [...path.slice(0, depth + 1)];
      }
    });
    const flagship = variant.card?.flagship ? " ◀ **the flagship**" : "";
    out.push(
      `${"  ".repeat(path.length - 1)}- [${id}](${prefix}${id}.md) — ${variant.taxonomy.medium}${flagship}`,
    );
  }
  return `${out.join("\n")}\n`;
}

const scopes = ["in-process", "inter-process, OS", "inter-process, network"];
const models = ["shared memory", "message passing"];
const timings = ["synchronous", "asynchronous"];
/** Position in the tree: scope, then model, then timing (a stable sort keeps reading order within). */
function placeRank(variant: AnyVariant): number {
  const t = variant.taxonomy;
  return scopes.indexOf(t.scope) * 4 + models.indexOf(t.model) * 2 + timings.indexOf(t.timing);
}

function toc(order: readonly AnyVariant[]): string {
  return `${order.map((v, i) => `${i + 1}. ${link(v.id)} — ${v.taxonomy.medium}`).join("\n")}\n`;
}

/** One size's benchmark block (docs/bench-tables.ts), with its chart when there is one. */
function benchSummary(size: number): string {
  const chart = `charts/throughput-${size}.svg`;
  return benchBlock(loadResults(), size, existsSync(`${docs}${chart}`) ? chart : null);
}

/** The README's headline (docs/bench-tables.ts): the flagship is the variant whose card says so. */
function headline(loaded: LoadedRegistry): string {
  const flagship = loaded.registry.list().find((v) => v.card?.flagship)?.id;
  const charts = ["throughput-64.svg", "latency-64-1000.svg"]
    .filter((name) => existsSync(`${docs}charts/${name}`))
    .map((name) => `docs/charts/${name}`);
  return benchHeadline(loadResults(), { flagship, packages: loaded.packages }, charts);
}

// ── the pages ────────────────────────────────────────────────────────────────────────────

export interface DocFile {
  path: string;
  blocks: () => Promise<Blocks>;
  /** What a missing page starts as (variant pages): headings and empty generated blocks. */
  template?: string;
}

/** Every generated file: a page per variant the workspace declares, then the shared pages. */
export function docFiles(loaded: LoadedRegistry): DocFile[] {
  const order = readingOrder(loaded);
  const path = readingPath(order);
  const pages: DocFile[] = order.map((variant) => ({
    path: `${docs}${variant.id}.md`,
    template: pageTemplate(variant),
    blocks: async () => {
      const home = loaded.packages.get(variant.id)!;
      return {
        nav: nav(path, variant.id),
        where: where(variant, home.name),
        semantics: semantics(variant),
        code: code(variant, home.dir),
        transcript: await transcript(variant),
        numbers: numbers(variant.id),
      };
    },
  }));
  return [
    ...pages,
    { path: `${docs}README.md`, blocks: async () => ({ tree: tree(order, ""), toc: toc(order) }) },
    { path: `${docs}concepts.md`, blocks: async () => ({ nav: nav(path, "concepts") }) },
    {
      path: `${docs}choosing.md`,
      blocks: async () => ({
        nav: nav(path, "choosing"),
        ...(await renderChoosing(order, loadResults())).blocks,
      }),
    },
    { path: `${docs}guarantees.md`, blocks: async () => ({ nav: nav(path, "guarantees") }) },
    {
      path: `${docs}comparison.md`,
      blocks: async () => ({
        nav: nav(path, "comparison"),
        ...renderComparison(order),
        "bench-64": benchSummary(64),
        "bench-1024": benchSummary(1024),
      }),
    },
    {
      path: `${docs}benchmarks.md`,
      blocks: async () => ({
        nav: nav(path, "benchmarks"),
        "bench-64": benchSummary(64),
        "bench-1024": benchSummary(1024),
        "bench-65536": benchSummary(65536),
      }),
    },
    {
      path: `${repoRoot}README.md`,
      blocks: async () => ({ tree: tree(order, "docs/"), headline: headline(loaded) }),
    },
  ];
}

/** The SVG charts of `results` in `dir` (docs/charts/); returns the ones that differ or are missing. */
export async function chartDrift(
  results: BenchReport | undefined,
  dir: string,
  write: boolean,
): Promise<string[]> {
  if (!results?.environment.rates) return [];
  const drifted: string[] = [];
  for (const [name, svg] of await docCharts(results)) {
    const path = `${dir}${name}`;
    if (existsSync(path) && readFileSync(path, "utf8") === svg) continue;
    drifted.push(`docs/charts/${name}${existsSync(path) ? "" : " (missing)"}`);
    if (write) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, svg);
    }
  }
  return drifted;
}

/** Regenerates every page and chart; returns the files whose committed text differs. */
export async function generate(write: boolean, only?: readonly string[]): Promise<string[]> {
  const loaded = await loadRegistry();
  const drifted: string[] = [];
  if (!only) {
    drifted.push(...(await chartDrift(loadResults(), `${docs}charts/`, write)));
    const { charts } = await renderChoosing(readingOrder(loaded), loadResults());
    drifted.push(...svgDrift(charts, `${docs}charts/`, write));
  }
  // `--only` regenerates the named pages alone (an author at work on one page); the check covers all.
  const files = docFiles(loaded).filter((f) => !only || only.some((name) => f.path.endsWith(`/${name}.md`)));
  for (const file of files) {
    if (!existsSync(file.path)) {
      drifted.push(`${file.path.replace(repoRoot, "")} (missing)`);
      // A new variant's page starts from the template; its hand-written parts are then the author's.
      if (write && file.template) writeFileSync(file.path, file.template);
      else continue;
    }
    const current = readFileSync(file.path, "utf8");
    const old = readBlocks(current);
    const fresh = await file.blocks();
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
  if (only) return drifted;
  // The API reference of the published packages (docs/api/), from their JSDoc.
  const api = await apiDrift();
  drifted.push(...api);
  if (write && api.length > 0) await renderApi(apiDir);
  return drifted;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const write = process.argv.includes("--write");
  const onlyAt = process.argv.indexOf("--only");
  const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1]?.split(",");
  const drifted = await generate(write, only);
  if (write) console.log(drifted.length ? `updated: ${drifted.join(", ")}` : "docs are up to date");
  else if (drifted.length) {
    console.error(
      `docs drifted from the code (run \`pnpm run docs\` and commit):\n  ${drifted.join("\n  ")}`,
    );
    process.exitCode = 1;
  } else console.log("docs match the code");
  // Demos may leave servers' sockets to close in the background; the check is done.
  process.exit();
}
