/**
 * `ipc-atlas list`: the taxonomy as a tree, every variant a leaf at its own place (scope › model ›
 * timing), marked available when a loaded package implements it. Leaves of the source taxonomy
 * that nothing implements yet are shown too; variants beyond the source taxonomy (say the queue
 * across hosts) sit at the place they declare.
 */

import {
  type AnyVariant,
  type Place,
  taxonomy,
  taxonomyPath,
  type VariantRegistry,
  variantIds,
} from "@ipc-atlas/core";

interface Node {
  label: string;
  children: Map<string, Node>;
}

/** Every leaf of the tree in order: registered variants, and taxonomy leaves none implements. */
export function leaves(
  registry: VariantRegistry,
): Array<{ id: string; taxonomy: Place; variant?: AnyVariant }> {
  const registered = registry
    .list()
    .map((variant) => ({ id: variant.id, taxonomy: variant.taxonomy, variant }));
  const missing = registry.missing().map((id) => ({ id, taxonomy: taxonomy[id] }));
  const order = (id: string) => {
    const i = (variantIds as readonly string[]).indexOf(id);
    return i === -1 ? variantIds.length : i;
  };
  return [...registered, ...missing].sort((a, b) => order(a.id) - order(b.id));
}

export function renderTree(registry: VariantRegistry, color = false): string {
  const root: Node = { label: "ipc", children: new Map() };
  const mark = (available: boolean, text: string) => {
    if (!color) return text;
    return available ? `\x1b[32m${text}\x1b[0m` : `\x1b[2m${text}\x1b[0m`;
  };
  for (const leaf of leaves(registry)) {
    let node = root;
    for (const part of taxonomyPath(leaf)) {
      let child = node.children.get(part);
      if (!child) {
        child = { label: part, children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    const available = leaf.variant !== undefined;
    node.label = mark(
      available,
      `${leaf.id.padEnd(24)} ${available ? "✓ available" : "· not yet available"}`,
    );
    if (leaf.variant?.card?.flagship) node.label += "   ◀ the flagship";
  }
  const lines: string[] = [root.label];
  const walk = (node: Node, prefix: string) => {
    const children = [...node.children.values()];
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      lines.push(`${prefix}${last ? "└── " : "├── "}${child.label}`);
      walk(child, `${prefix}${last ? "    " : "│   "}`);
    });
  };
  walk(root, "");
  return lines.join("\n");
}

export function summaryLine(registry: VariantRegistry): string {
  const available = variantIds.filter((id) => registry.has(id)).length;
  const beyond = registry
    .list()
    .map((v) => v.id)
    .filter((id) => !(variantIds as readonly string[]).includes(id));
  return `${available} of ${variantIds.length} variants available${
    available < variantIds.length ? ` (not yet: ${registry.missing().join(", ")})` : ""
  }${beyond.length > 0 ? `, and ${beyond.length} beyond the taxonomy (${beyond.join(", ")})` : ""}`;
}
