/**
 * The API reference of the published packages, generated from their JSDoc by TypeDoc (with
 * typedoc-plugin-markdown) into docs/api/. docs.ts writes it with the other generated pages and
 * its check fails when the committed reference differs from what the sources say.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Application, type TypeDocOptions } from "typedoc";
import type { PluginOptions } from "typedoc-plugin-markdown";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const apiDir = join(repoRoot, "docs/api");

/** The public entries documented: what a user imports. */
const entryPoints = [
  "packages/message-queue/src/index.ts",
  "packages/message-queue/src/jetstream/index.ts",
  "packages/core/src/index.ts",
].map((path) => join(repoRoot, path));

/** Renders the reference into `out` (replacing what is there). */
export async function renderApi(out: string): Promise<void> {
  const options: Partial<TypeDocOptions & PluginOptions> = {
    entryPoints,
    tsconfig: join(repoRoot, "packages/message-queue/tsconfig.json"),
    plugin: ["typedoc-plugin-markdown"],
    // One page per entry point (typedoc-plugin-markdown's option), each a user's import.
    outputFileStrategy: "modules",
    out,
    cleanOutputDir: true,
    readme: "none",
    name: "ipc-atlas API",
    // No source links: they carry line numbers, which every edit above a declaration moves.
    disableSources: true,
    // Members inherited from Node's and TypeScript's own types (Error.captureStackTrace…) are noise.
    excludeExternals: true,
    externalPattern: ["**/node_modules/**"],
    excludePrivate: true,
    excludeInternal: true,
    hideGenerator: true,
    hideBreadcrumbs: true,
    parametersFormat: "table",
    interfacePropertiesFormat: "table",
    classPropertiesFormat: "table",
    enumMembersFormat: "table",
    logLevel: "Warn",
  };
  const app = await Application.bootstrapWithPlugins(options);
  const project = await app.convert();
  if (!project) throw new Error("TypeDoc could not convert the packages' sources (see the messages above)");
  await app.generateOutputs(project);
}

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  };
  try {
    walk(dir);
  } catch {
    // no committed reference yet: every file counts as drifted
  }
  return found;
}

/** Files of docs/api that differ from a fresh rendering (added, changed or gone). */
export async function apiDrift(): Promise<string[]> {
  const fresh = mkdtempSync(join(tmpdir(), "ipc-atlas-api-"));
  try {
    await renderApi(fresh);
    const [now, committed] = [files(fresh), files(apiDir)];
    const names = new Set([...now.keys(), ...committed.keys()]);
    return [...names]
      .filter((name) => now.get(name) !== committed.get(name))
      .map((name) => `docs/api/${name}`);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}
