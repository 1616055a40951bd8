/**
 * `ipc-atlas list`: the taxonomy as a tree, every variant id a leaf, marked available when a
 * registered variant implements it. Extra implementations (say the JetStream backend of the
 * message queue) hang under the taxonomy leaf whose idea they share.
 */

import { type AnyVariant, taxonomy, taxonomyPath, type VariantRegistry, variantIds } from "@ipc-atlas/core";

interface Node {
  label: string;
  children: Map<string, Node>;
}

export function renderTree(registry: VariantRegistry, color = false): string {
  const root: Node = { label: "ipc", children: new Map() };
  const extras = registry.list().filter((v) => !(variantIds as readonly string[]).includes(v.id));
  const mark = (available: boolean, text: string) => {
    if (!color) return text;
    return available ? `\x1b[32m${text}\x1b[0m` : `\x1b[2m${text}\x1b[0m`;
  };
  for (const id of variantIds) {
    let node = root;
    for (const part of taxonomyPath(id)) {
      let child = node.children.get(part);
      if (!child) {
        child = { label: part, children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    const available = registry.has(id);
    node.label = mark(available, `${id.padEnd(22)} ${available ? "✓ available" : "· not yet available"}`);
    // The flagship is where the atlas says "you are here".
    if (id === "message-queues") node.label += "   ◀ you are here: the flagship";
    for (const extra of extras.filter((v: AnyVariant) => sameIdea(v, id))) {
      node.children.set(extra.id, {
        label: mark(true, `${extra.id} ✓ (${extra.taxonomy.medium})`),
        children: new Map(),
      });
    }
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

/** An extra implementation belongs under the taxonomy id its own id starts with. */
function sameIdea(variant: AnyVariant, id: string): boolean {
  return variant.id.startsWith(`${id}-`) && !(variantIds as readonly string[]).includes(variant.id);
}

export function summaryLine(registry: VariantRegistry): string {
  const available = variantIds.filter((id) => registry.has(id)).length;
  return `${available} of ${variantIds.length} variants available${
    available < variantIds.length ? ` (not yet: ${registry.missing().join(", ")})` : ""
  }`;
}

export { taxonomy };
