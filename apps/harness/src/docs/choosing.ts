/**
 * The generated parts of docs/choosing.md: a decision diagram (docs/charts/choosing.svg, drawn
 * by Vega's tree layout, in Node, like the benchmark charts), the same tree as a nested list,
 * and a narrow table of the facts that decide. All three come from one list of facts per
 * variant, so they cannot disagree: the tree is not drawn by hand but grown by splitting the
 * variants on one question after another, asking a question only where the variants left
 * answer it differently.
 *
 * The facts come from the variant objects (taxonomy scope and timing, placement) and from the
 * benchmark results (msg/s at 64 B); three facts the variant objects do not carry yet sit in
 * `pendingCardFacts` below until each variant's card carries them.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AnyVariant } from "@ipc-atlas/core";
import * as vega from "vega";
import { formatRate } from "../bench/report-text.ts";
import type { BenchReport } from "../bench/results.ts";
import { ASYNC_WINDOW } from "../bench/runner.ts";

/** Where the consumer may run, from the taxonomy's scope. */
export type Reach = "process" | "host" | "network";
/** What a message waiting in the medium survives. */
export type Survives = "no" | "a process crash" | "a server restart";
/** Several consumers on one medium: not possible, competing for messages (a work queue), or each a copy (fan-out). */
export type Consumers = "one" | "compete" | "each a copy";

export interface ChoosingFacts {
  id: string;
  /** The page that describes it, relative to docs/. */
  page: string;
  reach: Reach;
  survives: Survives;
  /** Synchronous in this project's sense: send resolves once the consumer took the message. */
  sendWaits: boolean;
  consumers: Consumers;
  /** Largest message with the default options, as a short size ("~": a few bytes less, for the medium's own header). */
  maxMessage: string;
  /** Producer and consumer on worker threads of one process. */
  threads: boolean;
  /** Median msg/s at 64 B from the benchmark results, when there are any. */
  msgPerSec: number | null;
}

// ── Facts the variant objects do not carry yet ─────────────────────────────────────────────
// TODO(cards): move each row into its variant's `card` (fields `survives`, `consumers` and
// `maxMessage`), then read them from there and delete this table. Checked against the code:
// message-queues DEFAULT_MESSAGE_SIZE, pipes DEFAULT_*_MESSAGE_BYTES, tcp DEFAULT_MAX_MESSAGE_BYTES,
// rest DEFAULT_MAX_MESSAGE_SIZE, grpc DEFAULT_GRPC_MESSAGE_LIMIT, nats max_payload (server default),
// shared-memory half of DEFAULT_RING_BYTES; NATS subscribes without a queue group unless asked.
type PendingFacts = Pick<ChoosingFacts, "survives" | "consumers" | "maxMessage">;
export const pendingCardFacts: Record<string, PendingFacts> = {
  "pipes-unnamed": { survives: "no", consumers: "one", maxMessage: "1 MiB" },
  "pipes-unnamed-io": { survives: "no", consumers: "one", maxMessage: "1 MiB" },
  "shared-memory-workers": { survives: "no", consumers: "one", maxMessage: "~512 KiB" },
  "channels-buffered": { survives: "no", consumers: "compete", maxMessage: "no limit" },
  "channels-unbuffered": { survives: "no", consumers: "compete", maxMessage: "no limit" },
  "pipes-named": { survives: "no", consumers: "one", maxMessage: "1 MiB" },
  "shared-memory-posix": { survives: "no", consumers: "one", maxMessage: "~512 KiB" },
  "message-queues": { survives: "a process crash", consumers: "compete", maxMessage: "8 KiB" },
  "pub-sub-nats-os": { survives: "no", consumers: "each a copy", maxMessage: "~1 MiB" },
  tcp: { survives: "no", consumers: "one", maxMessage: "1 MiB" },
  "grpc-os": { survives: "no", consumers: "one", maxMessage: "~4 MiB" },
  "pub-sub-nats-network": { survives: "no", consumers: "each a copy", maxMessage: "~1 MiB" },
  "tcp-ip": { survives: "no", consumers: "one", maxMessage: "1 MiB" },
  "grpc-network": { survives: "no", consumers: "one", maxMessage: "~4 MiB" },
  rest: { survives: "no", consumers: "one", maxMessage: "1 MiB" },
  "message-queues-jetstream": { survives: "a server restart", consumers: "compete", maxMessage: "~1 MiB" },
};

const reachOf: Record<AnyVariant["taxonomy"]["scope"], Reach> = {
  "in-process": "process",
  "inter-process, OS": "host",
  "inter-process, network": "network",
};

/** The page of a variant: its own, or the page of the variant it extends (message-queues-jetstream). */
function pageOf(id: string, docsDir: string, ids: readonly string[]): string {
  if (existsSync(`${docsDir}${id}.md`)) return `${id}.md`;
  const base = ids.filter((other) => id.startsWith(`${other}-`)).sort((a, b) => b.length - a.length)[0];
  return `${base ?? id}.md`;
}

export function choosingFacts(
  variants: readonly AnyVariant[],
  results: BenchReport | undefined,
  docsDir: string,
): ChoosingFacts[] {
  const ids = variants.map((v) => v.id);
  return variants.map((v) => {
    const pending = pendingCardFacts[v.id];
    if (!pending) throw new Error(`choosing.ts has no facts for ${v.id}: add it to pendingCardFacts`);
    const row = results?.results.find((r) => r.variant === v.id && r.size === 64 && r.status === "ok");
    return {
      id: v.id,
      page: pageOf(v.id, docsDir, ids),
      reach: reachOf[v.taxonomy.scope],
      sendWaits: v.taxonomy.timing === "synchronous",
      threads: v.placement === "threads",
      msgPerSec: row?.msgPerSec ?? null,
      ...pending,
    };
  });
}

// ── The decision tree ──────────────────────────────────────────────────────────────────────

export interface Question {
  /** The question, as the diagram asks it. */
  ask: string;
  /** The concept it rests on, an anchor in concepts.md. */
  concept: string;
  /** The answer a variant gives: a key of `answers`. */
  answer(facts: ChoosingFacts): string;
  /** Each answer's words, in the order the branches are drawn. */
  answers: Record<string, string>;
}

/** The questions, in the order they are asked. */
export const questions: Question[] = [
  {
    ask: "Where does the consumer run?",
    concept: "scope",
    answer: (f) => f.reach,
    answers: { process: "in this process", host: "another process, this host", network: "on another host" },
  },
  {
    ask: "Must waiting messages survive a crash?",
    concept: "durability",
    answer: (f) => f.survives,
    answers: {
      no: "no",
      "a process crash": "yes, a process crash",
      "a server restart": "yes, a server restart too",
    },
  },
  {
    ask: "Worker threads, or tasks on one thread?",
    concept: "scope",
    answer: (f) => (f.reach !== "process" ? "-" : f.threads ? "threads" : "tasks"),
    answers: { tasks: "tasks on one thread", threads: "worker threads", "-": "" },
  },
  {
    ask: "Must send wait until the consumer took it?",
    concept: "synchronous-and-asynchronous",
    answer: (f) => (f.sendWaits ? "yes" : "no"),
    answers: { yes: "yes (synchronous)", no: "no (asynchronous)" },
  },
  {
    ask: "Several consumers?",
    concept: "fan-out-and-work-queues",
    answer: (f) => f.consumers,
    answers: {
      one: "one is enough",
      compete: "yes, sharing the work",
      "each a copy": "yes, each gets a copy",
    },
  },
];

export interface TreeNode {
  id: string;
  parent?: string;
  /** The answer that leads here from the parent's question. */
  answer?: string;
  /** A question, or the variants that fit every answer on the way here. */
  question?: Question;
  variants?: ChoosingFacts[];
}

/** Grows the tree: at each node, the first remaining question the variants answer differently. */
export function decisionTree(facts: readonly ChoosingFacts[]): TreeNode[] {
  const nodes: TreeNode[] = [];
  const grow = (
    id: string,
    group: readonly ChoosingFacts[],
    from: number,
    parent?: string,
    answer?: string,
  ) => {
    const base = { id, ...(parent ? { parent } : {}), ...(answer ? { answer } : {}) };
    const at = questions.findIndex((q, i) => i >= from && new Set(group.map(q.answer)).size > 1);
    if (at === -1) {
      const fastest = [...group].sort((a, b) => (b.msgPerSec ?? -1) - (a.msgPerSec ?? -1));
      nodes.push({ ...base, variants: fastest });
      return;
    }
    const question = questions[at]!;
    nodes.push({ ...base, question });
    const given = new Set(group.map(question.answer));
    Object.keys(question.answers)
      .filter((key) => given.has(key))
      .forEach((key, i) => {
        const branch = group.filter((f) => question.answer(f) === key);
        grow(`${id}.${i}`, branch, at + 1, id, question.answers[key]);
      });
  };
  grow("q", facts, 0);
  return nodes;
}

const leafLine = (f: ChoosingFacts) =>
  `${f.id} · ${f.maxMessage}${f.msgPerSec === null ? "" : ` · ${formatRate(f.msgPerSec)} msg/s`}`;

/** The tree as a nested Markdown list: the diagram for screen readers, phones and terminals. */
export function treeList(nodes: readonly TreeNode[]): string {
  const out: string[] = [];
  const walk = (node: TreeNode, depth: number) => {
    const lead = `${"  ".repeat(depth)}- ${node.answer ? `${node.answer} → ` : ""}`;
    if (node.question) out.push(`${lead}**[${node.question.ask}](concepts.md#${node.question.concept})**`);
    else
      out.push(
        `${lead}${node.variants!.map((f) => `[${f.id}](${f.page}) (${f.maxMessage}${f.msgPerSec === null ? "" : `, ${formatRate(f.msgPerSec)} msg/s`})`).join(", ")}`,
      );
    for (const child of nodes.filter((n) => n.parent === node.id)) walk(child, depth + 1);
  };
  walk(nodes[0]!, 0);
  return `${out.join("\n")}\n`;
}

// ── The diagram ────────────────────────────────────────────────────────────────────────────

const COLUMN = 200;
const LEAF_TEXT = 250;
/** Vertical room per line of a leaf; each leaf takes one more for its answer. */
const SLOT = 19;

const haloed = (update: Record<string, unknown>) => [
  // The same text twice, first as a thick white outline: labels stay readable where links cross them.
  {
    type: "text",
    from: { data: "nodes" },
    encode: { update: { ...update, stroke: { value: "#fff" }, strokeWidth: { value: 4 } } },
  },
  { type: "text", from: { data: "nodes" }, encode: { update } },
];

/**
 * A Vega spec of the tree, left to right: each question in bold at its node, each answer in
 * grey italics above the branch it starts. Vega's cluster layout spaces leaves evenly, so a leaf
 * of k variants is followed by k invisible spacers: room for its lines and the next answer.
 */
export function decisionSpec(nodes: readonly TreeNode[]): vega.Spec {
  const depthOf = (node: TreeNode): number =>
    node.parent ? 1 + depthOf(nodes.find((n) => n.id === node.parent)!) : 0;
  const depth = Math.max(...nodes.map(depthOf));
  const values = nodes.flatMap((n) => {
    const node = {
      id: n.id,
      parent: n.parent ?? null,
      answer: n.answer ?? "",
      leaf: !n.question,
      spacer: false,
      text: n.question ? wrapWords(n.question.ask, 24) : n.variants!.map(leafLine),
    };
    const spacers = (n.variants ?? []).map((_, i) => ({
      ...node,
      id: `${n.id}~${i}`,
      spacer: true,
      text: [],
    }));
    return [node, ...spacers];
  });
  const slots = values.filter((v) => v.leaf).length;
  const at = { x: { field: "x" }, y: { field: "y" }, dx: { value: 7 } };
  return {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    width: depth * COLUMN + LEAF_TEXT,
    height: slots * SLOT,
    padding: { left: 10, right: 10, top: 10, bottom: 10 },
    title: {
      text: "Choosing a variant: start at the left, follow your answers",
      subtitle: "each leaf: variant · largest message by default · msg/s at 64 B (median, see choosing.md)",
      anchor: "start",
      fontSize: 14,
      subtitleFontSize: 10,
      subtitleColor: "#666",
    },
    data: [
      {
        name: "tree",
        values,
        transform: [
          { type: "stratify", key: "id", parentKey: "parent" },
          {
            type: "tree",
            method: "cluster",
            separation: false,
            size: [{ signal: "height" }, { signal: `width - ${LEAF_TEXT}` }],
            as: ["y", "x", "depth", "children"],
          },
        ],
      },
      { name: "nodes", source: "tree", transform: [{ type: "filter", expr: "!datum.spacer" }] },
      {
        name: "links",
        source: "tree",
        transform: [
          { type: "treelinks" },
          { type: "filter", expr: "!datum.target.spacer" },
          { type: "linkpath", orient: "horizontal", shape: "diagonal" },
        ],
      },
    ],
    marks: [
      {
        type: "path",
        from: { data: "links" },
        encode: { update: { path: { field: "path" }, stroke: { value: "#c8c8c8" } } },
      },
      {
        type: "symbol",
        from: { data: "nodes" },
        encode: {
          update: {
            x: { field: "x" },
            y: { field: "y" },
            size: { value: 40 },
            fill: { signal: "datum.leaf ? '#2f7ed8' : '#444'" },
          },
        },
      },
      ...haloed({
        ...at,
        dy: { value: -6 },
        text: { field: "answer" },
        fill: { value: "#666" },
        fontSize: { value: 10 },
        fontStyle: { value: "italic" },
        baseline: { value: "bottom" },
      }),
      ...haloed({
        ...at,
        dy: { value: 3 },
        text: { field: "text" },
        fontSize: { value: 11 },
        lineHeight: { value: 14 },
        fontWeight: { signal: "datum.leaf ? 'normal' : 'bold'" },
        fill: { signal: "datum.leaf ? '#1a5fa8' : '#222'" },
        baseline: { value: "top" },
      }),
    ],
    config: { text: { font: "sans-serif" }, title: { font: "sans-serif" } },
  } as vega.Spec;
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

async function renderVegaSvg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: "none" });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

// ── The table ──────────────────────────────────────────────────────────────────────────────

/** Variant × five one-word columns, narrow enough for a phone. */
export function choosingTable(facts: readonly ChoosingFacts[]): string {
  const yesNo = (b: boolean) => (b ? "yes" : "no");
  const rows = facts.map(
    (f) =>
      `| [${f.id}](${f.page}) | ${f.reach} | ${f.survives === "no" ? "no" : f.survives === "a process crash" ? "process" : "server"} | ${yesNo(f.sendWaits)} | ${f.consumers === "each a copy" ? "copy" : f.consumers} | ${f.maxMessage} |`,
  );
  return `${[
    "| variant | reach | survives a crash | send waits | consumers | max message |",
    "| --- | --- | --- | --- | --- | ---: |",
    ...rows,
  ].join("\n")}\n`;
}

// ── For docs.ts ────────────────────────────────────────────────────────────────────────────

export interface ChoosingDocs {
  /** The generated blocks of docs/choosing.md. */
  blocks: Record<string, string>;
  /** File name under docs/charts/ → SVG. */
  charts: Map<string, string>;
}

/** What the msg/s figures are, from the report they come from. */
function caption(results: BenchReport | undefined): string {
  if (!results)
    return "No benchmark results yet, so no msg/s: run `pnpm ipc-atlas bench --json docs/results.json`.\n";
  const e = results.environment;
  return `msg/s: the median of ${e.rounds ?? 1} round${e.rounds === 1 ? "" : "s"} of the throughput pass at 64 B, from \`docs/results.json\` (${e.cpu}, ${e.cores} cores, ${e.date.slice(0, 10)}, load average ${e.loadAverage[0]} at the start). A variant whose send waits for the consumer sends one message at a time, the others keep ${ASYNC_WINDOW} sends in flight: compare within a branch, and read [how they were measured](benchmarks.md#method).\n`;
}

/** Everything docs/choosing.md shows that is generated: its blocks and its diagram. */
export async function renderChoosing(
  variants: readonly AnyVariant[],
  results: BenchReport | undefined,
  docsDir: string,
): Promise<ChoosingDocs> {
  const facts = choosingFacts(variants, results, docsDir);
  const nodes = decisionTree(facts);
  return {
    blocks: {
      "choosing-tree": `${treeList(nodes)}\n${caption(results)}`,
      "choosing-table": choosingTable(facts),
    },
    charts: new Map([["choosing.svg", await renderVegaSvg(decisionSpec(nodes))]]),
  };
}

/** Writes (with `write`) and lists the charts whose committed file differs or is missing. */
export function svgDrift(charts: Map<string, string>, chartsDir: string, write: boolean): string[] {
  const drifted: string[] = [];
  for (const [name, svg] of charts) {
    const path = `${chartsDir}${name}`;
    if (existsSync(path) && readFileSync(path, "utf8") === svg) continue;
    drifted.push(`docs/charts/${name}${existsSync(path) ? "" : " (missing)"}`);
    if (write) {
      mkdirSync(chartsDir, { recursive: true });
      writeFileSync(path, svg);
    }
  }
  return drifted;
}
