/**
 * `ipc-atlas demo <id>` / `--all`: runs variants' narrated demos, one after another, each
 * introduced by where it sits in the taxonomy. A demo that fails is reported and the others
 * still run; the command then exits non-zero.
 */

import { type AnyVariant, consoleNarrator, type Narrator, type VariantRegistry } from "@ipc-atlas/core";

export interface DemoOutput {
  write(line: string): void;
}

const stdout: DemoOutput = { write: (line) => process.stdout.write(`${line}\n`) };

export function demoHeader(variant: AnyVariant): string[] {
  const t = variant.taxonomy;
  return [
    `━━ ${variant.id} ━━ ${t.scope} · ${t.model} · ${t.timing}`,
    `   ${t.medium}`,
    `   ${variant.summary}`,
    "",
  ];
}

export async function runDemo(
  variant: AnyVariant,
  out: DemoOutput = stdout,
  narrator?: Narrator,
): Promise<void> {
  if (!variant.demo) throw new Error(`${variant.id} has no demo yet`);
  for (const line of demoHeader(variant)) out.write(line);
  await variant.demo(narrator ?? consoleNarrator((line) => out.write(line)));
  out.write("");
}

/** Runs the demos of `ids` (or of every available variant) and returns the exit code. */
export async function runDemos(registry: VariantRegistry, ids: string[] | "all", out: DemoOutput = stdout) {
  const variants = ids === "all" ? registry.list().filter((v) => v.demo) : ids.map((id) => registry.get(id));
  const failed: string[] = [];
  for (const variant of variants) {
    try {
      await runDemo(variant, out);
    } catch (error) {
      failed.push(variant.id);
      out.write(`✗ ${variant.id} demo failed: ${error instanceof Error ? error.message : String(error)}`);
      out.write("");
    }
  }
  if (ids === "all") {
    out.write(
      `${variants.length - failed.length} of ${variants.length} demos ran${failed.length ? `; failed: ${failed.join(", ")}` : ""}`,
    );
  }
  return failed.length === 0 ? 0 : 1;
}
