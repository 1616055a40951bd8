/**
 * The harness's registry: every variant the workspace's packages declare. A package takes part
 * by naming, in its package.json, the exports that carry variants (`"ipcAtlas": { "variants":
 * [".", "./jetstream"] }`); each of those exports a `variants` list. The harness keeps no list of
 * packages or variants of its own, and imports each export from the package's own folder (so
 * its dependencies resolve from there): adding a package to the workspace is all it takes to
 * list, explain, demo, document and benchmark its variants.
 */

/** Running from TypeScript sources, exports are taken under the workspace's source condition. */
const fromSource = import.meta.url.endsWith(".ts");

type ExportTarget = string | { [condition: string]: ExportTarget | undefined };

/** The file an export of a package.json points to, under the conditions this process uses. */
function exportFile(target: ExportTarget | undefined): string | undefined {
  if (typeof target === "string" || target === undefined) return target;
  const order = fromSource ? ["@ipc-atlas/source", "import", "default"] : ["import", "default"];
  for (const condition of order) {
    const file = exportFile(target[condition]);
    if (file) return file;
  }
  return undefined;
}

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type AnyVariant, VariantRegistry } from "@ipc-atlas/core";

const packagesDir = fileURLToPath(new URL("../../../packages/", import.meta.url));

interface CatalogueExport {
  /** The export's name: the package name, or name/subpath. */
  specifier: string;
  /** The module to import: the export's file in the package's folder. */
  url: string;
  packageName: string;
  /** The package's folder, from which its card's demo sources are read. */
  dir: string;
}

/** The exports of workspace packages that declare variants, in folder order. */
export function catalogueExports(): CatalogueExport[] {
  const found: CatalogueExport[] = [];
  for (const folder of readdirSync(packagesDir).sort()) {
    let manifest: {
      name?: string;
      exports?: Record<string, ExportTarget>;
      ipcAtlas?: { variants?: string[] };
    };
    try {
      manifest = JSON.parse(readFileSync(`${packagesDir}${folder}/package.json`, "utf8"));
    } catch {
      continue; // not a package
    }
    for (const subpath of manifest.ipcAtlas?.variants ?? []) {
      const name = manifest.name!;
      const dir = `${packagesDir}${folder}/`;
      const file = exportFile(manifest.exports?.[subpath]);
      found.push({
        specifier: subpath === "." ? name : `${name}/${subpath.replace(/^\.\//, "")}`,
        url: file ? pathToFileURL(`${dir}${file}`).href : `${name} has no export "${subpath}"`,
        packageName: name,
        dir,
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
    exports.map(async (e) => (await import(e.url)) as { variants?: AnyVariant[] }),
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
