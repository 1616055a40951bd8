import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AnyVariant, semanticsColumns } from "@ipc-atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { comparisonTables, renderComparison } from "../src/docs/comparison.ts";
import { readBlocks, readingOrder, repoRoot } from "../src/docs.ts";
import { loadRegistry } from "../src/registry.ts";

let order: AnyVariant[] = [];
beforeAll(async () => {
  order = readingOrder(await loadRegistry());
});

describe("docs/comparison.md", () => {
  it("shows every semantics row and the timing once, in two tables of at most six columns", () => {
    const columns = comparisonTables.flatMap((t) => t.columns);
    expect([...columns].sort()).toEqual(["timing", ...semanticsColumns.map(([key]) => key)].sort());
    const blocks = renderComparison(order);
    for (const { block, columns } of comparisonTables) {
      const lines = blocks[block]!.trimEnd().split("\n");
      expect(lines).toHaveLength(order.length + 2);
      // Cells of each row: the variant and one per column (a `\|` inside a cell is not a border).
      for (const line of lines) expect(line.split(/(?<!\\)\|/).length - 2).toBe(columns.length + 1);
      expect(columns.length + 1).toBeLessThanOrEqual(6);
    }
  });

  it("matches the committed page (run `pnpm run docs` after changing a card)", () => {
    const committed = readBlocks(readFileSync(join(repoRoot, "docs/comparison.md"), "utf8"));
    for (const [name, text] of Object.entries(renderComparison(order)))
      expect(committed[name], name).toBe(text);
  });
});
