import type { AnyVariant } from "@ipc-atlas/core";

/** A new variant's page: the generated blocks in place, the prose left to write. */
export function pageTemplate(variant: AnyVariant): string {
  const block = (name: string) => `<!-- generated:${name} -->\n<!-- /generated:${name} -->`;
  return `# ${variant.id}: ${variant.summary}

${block("nav")}

(One paragraph: what the mechanism is in the operating system or protocol.)

## Where it sits

${block("where")}

## Semantics

${block("semantics")}

## The demo's code

${block("code")}

## Transcript

${block("transcript")}

## Numbers

${block("numbers")}

## When to choose it

(When it fits, and when another variant fits better.)

${block("nav")}
`;
}
