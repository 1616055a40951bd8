import type { AnyVariant } from "@ipc-atlas/core";

/** A new variant's page: the generated blocks in place, the prose left to write. */
export function pageTemplate(variant: AnyVariant): string {
  const block = (name: string) => `<!-- generated:${name} -->\n<!-- /generated:${name} -->`;
  return `# ${variant.id}: ${variant.summary}

${block("nav")}

${block("where")}

(One paragraph: what the mechanism is in the operating system or protocol.)

## Semantics

${block("semantics")}

## The example

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
