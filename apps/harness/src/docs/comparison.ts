/**
 * The comparison page's reference tables: every variant's semantics rows from its card, split
 * into two tables of five columns so that each fits a screen — how a variant behaves (who
 * waits, where messages wait, in what pieces), and what it promises (order, loss, durability,
 * reach, who may use it). A column's title links to its concept, where it has one.
 */

import { type AnyVariant, type Semantics, semanticsColumns } from "@ipc-atlas/core";
import { semanticsConcepts } from "./concepts.ts";

type Column = keyof Semantics | "timing";

/** The two tables: their block names in comparison.md and their columns. */
export const comparisonTables: ReadonlyArray<{ block: string; columns: readonly Column[] }> = [
  { block: "comparison-behaviour", columns: ["timing", "blocking", "buffering", "boundaries", "limits"] },
  { block: "comparison-promises", columns: ["ordering", "delivery", "durability", "scope", "access"] },
];

const titles = new Map<Column, string>([["timing", "Timing"], ...semanticsColumns]);

function cell(variant: AnyVariant, column: Column): string {
  if (column === "timing") return variant.taxonomy.timing;
  const card = variant.card;
  if (!card) throw new Error(`variant ${variant.id} has no card: declare one beside it`);
  return (card.semantics[column] ?? "—").replace(/\|/g, "\\|");
}

/** The comparison's generated blocks, one table each, rows in reading order. */
export function renderComparison(order: readonly AnyVariant[]): Record<string, string> {
  const blocks: Record<string, string> = {};
  for (const { block, columns } of comparisonTables) {
    const title = (c: Column) =>
      semanticsConcepts[c] ? `[${titles.get(c)}](concepts.md#${semanticsConcepts[c]})` : titles.get(c);
    const header = `| variant | ${columns.map(title).join(" | ")} |`;
    const rule = `| --- | ${columns.map(() => "---").join(" | ")} |`;
    const rows = order.map(
      (v) => `| [${v.id}](${v.id}.md) | ${columns.map((c) => cell(v, c)).join(" | ")} |`,
    );
    blocks[block] = `${[header, rule, ...rows].join("\n")}\n`;
  }
  return blocks;
}
