/**
 * The variant registry: the one place the harness, benchmarks and docs look variants up.
 * Packages export their variants; whoever builds a registry adds them. Lookups go by id,
 * never through a switch on names.
 */

import { IpcError, UnknownVariantError } from "./errors.ts";
import { isVariantId, type VariantId, variantIds } from "./taxonomy.ts";
import type { AnyVariant } from "./variant.ts";

export class VariantRegistry {
  readonly #variants = new Map<string, AnyVariant>();

  constructor(variants: Iterable<AnyVariant> = []) {
    for (const variant of variants) this.add(variant);
  }

  add(variant: AnyVariant): this {
    if (this.#variants.has(variant.id)) throw new Error(`variant "${variant.id}" is registered twice`);
    this.#variants.set(variant.id, variant);
    return this;
  }

  has(id: string): boolean {
    return this.#variants.has(id);
  }

  /** The variant with this id; UnknownVariantError (listing the valid ids) otherwise. */
  get(id: string): AnyVariant {
    const variant = this.#variants.get(id);
    if (!variant && isVariantId(id)) {
      throw new IpcError(
        "ENOTAVAILABLE",
        `variant "${id}" is in the taxonomy but no loaded package implements it`,
        {
          hint: "run `ipc-atlas list` to see which variants are available, and check the warnings it prints",
        },
      );
    }
    if (!variant) throw new UnknownVariantError(id, variantIds);
    return variant;
  }

  /** Registered variants in taxonomy order, then any others in the order they were added. */
  list(): AnyVariant[] {
    const order = (id: string) => {
      const i = (variantIds as readonly string[]).indexOf(id);
      return i === -1 ? variantIds.length : i;
    };
    return [...this.#variants.values()].sort((a, b) => order(a.id) - order(b.id));
  }

  /** Taxonomy ids that no registered variant implements yet. */
  missing(): VariantId[] {
    return variantIds.filter((id) => !this.#variants.has(id));
  }
}

/**
 * The variant with id `id` among the exports of the module at `module` (a URL or specifier): an
 * export that is the variant itself, or a `variants` list holding it. This is how a child
 * process or worker thread finds the variant its parent named: by the module that declares it.
 */
export async function loadVariant(module: string, id: string): Promise<AnyVariant> {
  const exports = (await import(module)) as Record<string, unknown>;
  const isVariant = (value: unknown): value is AnyVariant =>
    typeof value === "object" && value !== null && (value as AnyVariant).id === id;
  const found =
    Object.values(exports).find(isVariant) ??
    (Array.isArray(exports.variants) ? (exports.variants as unknown[]).find(isVariant) : undefined);
  if (!found)
    throw new IpcError("ENOVARIANT", `${module} exports no variant with id "${id}"`, {
      hint: "pass the module that declares the variant (its `module` field, import.meta.url of its file)",
    });
  return found;
}
