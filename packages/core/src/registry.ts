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
