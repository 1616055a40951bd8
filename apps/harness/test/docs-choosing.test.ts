import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AnyVariant } from "@ipc-atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import type { BenchReport } from "../src/bench/results.ts";
import {
  type ChoosingFacts,
  choosingFacts,
  decisionTree,
  questions,
  renderChoosing,
  type TreeNode,
} from "../src/docs/choosing.ts";
import { conceptTerms, linkConcepts, semanticsConcepts } from "../src/docs/concepts.ts";
import { readBlocks, readingOrder, repoRoot } from "../src/docs.ts";
import { loadRegistry } from "../src/registry.ts";

const docs = join(repoRoot, "docs/");
const results = JSON.parse(readFileSync(join(docs, "results.json"), "utf8")) as BenchReport;
let variants: AnyVariant[] = [];

beforeAll(async () => {
  variants = readingOrder(await loadRegistry());
});

/** The answers on the way from the root to `node`, as [question, answer] pairs. */
function pathTo(nodes: TreeNode[], node: TreeNode): Array<[TreeNode, string]> {
  const parent = nodes.find((n) => n.id === node.parent);
  return parent ? [...pathTo(nodes, parent), [parent, node.answer!]] : [];
}

describe("docs/choosing.md", () => {
  it("puts every variant the harness lists in exactly one leaf, reached by the answers it gives", () => {
    const facts = choosingFacts(variants, results, docs);
    const nodes = decisionTree(facts);
    const leaves = nodes.filter((n) => n.variants);
    expect(leaves.flatMap((n) => n.variants!.map((f) => f.id)).sort()).toEqual(
      variants.map((v) => v.id).sort(),
    );
    for (const leaf of leaves) {
      for (const f of leaf.variants!) {
        for (const [question, answer] of pathTo(nodes, leaf)) {
          expect(
            question.question!.answers[question.question!.answer(f)],
            `${f.id}: ${question.question!.ask}`,
          ).toBe(answer);
        }
      }
    }
  });

  it("asks a question only where the variants left answer it differently", () => {
    const nodes = decisionTree(choosingFacts(variants, results, docs));
    for (const node of nodes.filter((n) => n.question)) {
      expect(nodes.filter((n) => n.parent === node.id).length, node.question!.ask).toBeGreaterThan(1);
    }
    const same: ChoosingFacts[] = choosingFacts(variants, results, docs)
      .filter((f) => f.id.startsWith("grpc-"))
      .map((f) => ({ ...f, reach: "host" }));
    expect(decisionTree(same)).toEqual([{ id: "q", variants: expect.any(Array) }]);
  });

  it("refuses a variant it has no facts for, saying where to add them", () => {
    const stranger = { ...variants[0]!, id: "carrier-pigeon" } as AnyVariant;
    expect(() => choosingFacts([stranger], results, docs)).toThrow(/carrier-pigeon.*pendingCardFacts/);
  });

  it("matches the committed page and diagram (run `pnpm run docs` after changing a fact)", async () => {
    const fresh = await renderChoosing(variants, results, docs);
    const committed = readBlocks(readFileSync(join(docs, "choosing.md"), "utf8"));
    for (const [name, text] of Object.entries(fresh.blocks)) expect(committed[name], name).toBe(text);
    for (const [name, svg] of fresh.charts)
      expect(readFileSync(join(docs, "charts", name), "utf8")).toBe(svg);
    expect(fresh.charts.get("choosing.svg")).toMatch(/^<svg[\s\S]*message-queues-jetstream[\s\S]*<\/svg>\n$/);
  });

  it("links every concept a page names to a heading that exists in concepts.md", () => {
    const concepts = readFileSync(join(docs, "concepts.md"), "utf8");
    const anchors = new Set(
      [...concepts.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    const missing: string[] = [];
    for (const name of readdirSync(docs).filter((n) => n.endsWith(".md"))) {
      const text = readFileSync(join(docs, name), "utf8");
      for (const m of text.matchAll(/\]\((?:concepts\.md)?#([a-z0-9-]+)\)/g)) {
        const own = !m[0].includes("concepts.md");
        if (own && name !== "concepts.md") continue;
        if (!anchors.has(m[1]!)) missing.push(`${name} → #${m[1]}`);
      }
    }
    for (const q of questions) if (!anchors.has(q.concept)) missing.push(`choosing.ts → #${q.concept}`);
    for (const anchor of [...conceptTerms.map(([, a]) => a), ...Object.values(semanticsConcepts)])
      if (!anchors.has(anchor)) missing.push(`concepts.ts → #${anchor}`);
    expect(existsSync(join(docs, "concepts.md"))).toBe(true);
    expect(missing).toEqual([]);
  });
});

describe("linkConcepts", () => {
  it("links the first use of each concept, never inside code or a link, never a longer word", () => {
    expect(
      linkConcepts(
        "`at-most-once` in code, [at-most-once](guarantees.md) linked, then at-most-once: lost; at-most-once again; asynchronously; backpressure",
        "docs/",
      ),
    ).toBe(
      "`at-most-once` in code, [at-most-once](guarantees.md) linked, then [at-most-once](docs/concepts.md#at-most-once): lost; at-most-once again; asynchronously; [backpressure](docs/concepts.md#backpressure)",
    );
  });
});
