/**
 * The harness's registry: every variant the workspace's packages declare. A package takes part
 * by naming, in its package.json, the exports that carry variants (`"ipcAtlas": { "variants":
 * [".", "./jetstream"] }`); each of those exports a `variants` list. The harness keeps no list of
 * packages or variants of its own: adding a package to the workspace (and to the harness's
 * dependencies, so that it resolves) is all it takes to list, explain, demo, document and
 * benchmark its variants.
 */

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type AnyVariant, VariantRegistry } from "@ipc-atlas/core";

const packagesDir = fileURLToPath(new URL("../../../packages/", import.meta.url));

interface CatalogueExport {
  /** The import specifier: the package name, or name/subpath. */
  specifier: string;
  packageName: string;
  /** The package's folder, from which its card's demo sources are read. */
  dir: string;
}

/** The exports of workspace packages that declare variants, in folder order. */
export function catalogueExports(): CatalogueExport[] {
  const found: CatalogueExport[] = [];
  for (const folder of readdirSync(packagesDir).sort()) {
    let manifest: { name?: string; ipcAtlas?: { variants?: string[] } };
    try {
      manifest = JSON.parse(readFileSync(`${packagesDir}${folder}/package.json`, "utf8"));
    } catch {
      continue; // not a package
    }
    for (const subpath of manifest.ipcAtlas?.variants ?? []) {
      const name = manifest.name!;
      found.push({
        specifier: subpath === "." ? name : `${name}/${subpath.replace(/^\.\//, "")}`,
        packageName: name,
        dir: `${packagesDir}${folder}/`,
      });
    }
  }
  return found;
}

export interface LoadedRegistry {
  registry: VariantRegistry;
  /** The package each variant comes from (name and folder), by variant id. */
  packages: Map<string, { name: string; dir: string }>;
  /** Exports that failed to load, with the reason: shown, never hidden. */
  failures: Array<{ packageName: string; error: unknown }>;
}

export async function loadRegistry(): Promise<LoadedRegistry> {
  const registry = new VariantRegistry();
  const packages: LoadedRegistry["packages"] = new Map();
  const failures: LoadedRegistry["failures"] = [];
  const exports = catalogueExports();
  const loaded = await Promise.allSettled(
    exports.map(async (e) => (await import(e.specifier)) as { variants?: AnyVariant[] }),
  );
  loaded.forEach((result, i) => {
    const { specifier, packageName, dir } = exports[i]!;
    if (result.status === "rejected") failures.push({ packageName: specifier, error: result.reason });
    else
      for (const variant of result.value.variants ?? []) {
        registry.add(variant);
        packages.set(variant.id, { name: packageName, dir });
      }
  });
  return { registry, packages, failures };
}
