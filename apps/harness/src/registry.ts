/**
 * The harness's registry: every variant each ipc-atlas package exports through its
 * `variants` list. The harness knows packages, not variant names; adding a variant to a
 * package's `variants` is all it takes to list, explain, demo and benchmark it.
 */

import { type AnyVariant, VariantRegistry } from "@ipc-atlas/core";

/** The packages (or subpath exports) that make up the catalogue, in taxonomy order. */
export const catalogPackages = [
  "@ipc-atlas/pipes",
  "@ipc-atlas/shared-memory",
  "@ipc-atlas/channels",
  "@ipc-atlas/message-queue",
  "@ipc-atlas/message-queue/jetstream",
  "@ipc-atlas/nats",
  "@ipc-atlas/tcp",
  "@ipc-atlas/grpc",
  "@ipc-atlas/rest",
] as const;

export interface LoadedRegistry {
  registry: VariantRegistry;
  /** Packages that failed to load, with the reason: shown, never hidden. */
  failures: Array<{ packageName: string; error: unknown }>;
}

export async function loadRegistry(): Promise<LoadedRegistry> {
  const registry = new VariantRegistry();
  const failures: LoadedRegistry["failures"] = [];
  const loaded = await Promise.allSettled(
    catalogPackages.map(async (name) => (await import(name)) as { variants?: AnyVariant[] }),
  );
  loaded.forEach((result, i) => {
    const packageName = catalogPackages[i]!;
    if (result.status === "rejected") failures.push({ packageName, error: result.reason });
    else for (const variant of result.value.variants ?? []) registry.add(variant);
  });
  return { registry, failures };
}
