import { describe, expect, it } from "vitest";
import { annotated, segments } from "../src/docs/annotated.ts";

describe("an example program as a page shows it", () => {
  const source = [
    "// Sends three messages.",
    'import { x } from "y";',
    "",
    "// Margin comments become the text",
    "// above the code they describe.",
    "for (const m of ms) {",
    "  // an indented comment stays in the code",
    "  await send(m); // so does one at the end of a line",
    "}",
    "",
  ].join("\n");

  it("starts a segment at each run of margin comments and keeps other comments in the code", () => {
    const parts = segments(source);
    expect(parts.map((p) => p.prose)).toEqual([
      ["Sends three messages."],
      ["Margin comments become the text", "above the code they describe."],
    ]);
    expect(parts[1]!.code).toContain("  // an indented comment stays in the code");
  });

  it("renders text paragraphs, each followed by its code", () => {
    const text = annotated(source);
    expect(text).toContain("Margin comments become the text above the code they describe.\n\n```ts\nfor");
    expect(text.startsWith("Sends three messages.\n\n```ts\nimport")).toBe(true);
  });
});
