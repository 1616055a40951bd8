/**
 * `ipc-atlas explain <id>`: the variant's catalogue entry in the terminal. The text comes
 * from the same page as the docs (docs/<id>.md), not from a second copy; the terminal view
 * leaves out the generated parts (transcript, numbers) that `demo` and `bench` show live.
 */

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type AnyVariant, taxonomyPath } from "@ipc-atlas/core";

export const docsDir = fileURLToPath(new URL("../../../docs/", import.meta.url));

export function docsPagePath(id: string): string {
  return `${docsDir}${id}.md`;
}

/** Drops the sections a terminal reader gets live from `demo` and `bench`, and the navigation. */
export function terminalEntry(markdown: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of markdown.split("\n")) {
    if (/^## /.test(line)) skipping = /^## (Transcript|Numbers)/.test(line);
    if (/^<!-- nav/.test(line) || /^\[?← |^\*\*Prev/.test(line)) continue;
    if (!skipping) out.push(line);
  }
  return out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

export function explain(variant: AnyVariant, packageName?: string): string {
  const t = variant.taxonomy;
  const header = [
    `${variant.id}`,
    `  path:    ${taxonomyPath(variant).join(" › ")}`,
    `  scope:   ${t.scope}`,
    `  model:   ${t.model}`,
    `  timing:  ${t.timing}`,
    `  medium:  ${t.medium}`,
    ...(packageName ? [`  package: ${packageName}`] : []),
    "",
  ].join("\n");
  const page = docsPagePath(variant.id);
  if (!existsSync(page)) return `${header}${variant.summary}\n`;
  return `${header}${terminalEntry(readFileSync(page, "utf8"))}\n`;
}
