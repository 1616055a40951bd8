import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tsxLoader } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { docsPagePath, renderMarkdown, terminalEntry, terminalOptions } from "../src/explain.ts";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const explainModule = fileURLToPath(new URL("../src/explain.ts", import.meta.url));
const ESC = "\u001b";

describe("ipc-atlas explain", () => {
  it("prints a page without the generator's markers or colours when stdout is a pipe, even with FORCE_COLOR", async () => {
    const page = readFileSync(docsPagePath("message-queues"), "utf8");
    expect(page).toContain("<!-- generated:semantics -->"); // the markers the terminal must not see
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", tsxLoader, cli, "explain", "message-queues"],
      { timeout: 60_000, env: { ...process.env, FORCE_COLOR: "3" } },
    );
    expect(stdout).not.toContain("<!--");
    expect(stdout).not.toContain("generated:");
    expect(stdout).not.toContain(ESC);
    expect(stdout).toContain("## Semantics");
    // The semantics table reads as label and value, not as Markdown pipes.
    expect(stdout).toMatch(/^ {2}Delivery guarantee +at-most-once/m);
    expect(stdout).not.toMatch(/^\|/m);
  });

  it("drops the navigation and the sections demo and bench show live", () => {
    const entry = terminalEntry(
      [
        "# x",
        "<!-- generated:nav -->",
        "[← a](a.md) · [catalogue](README.md) · [b →](b.md)",
        "<!-- /generated:nav -->",
        "Text.",
        "## Transcript",
        "<!-- generated:transcript -->",
        "lines",
        "<!-- /generated:transcript -->",
        "## Semantics",
        "kept",
      ].join("\n"),
    );
    expect(entry).toBe("# x\nText.\n## Semantics\nkept");
  });

  it("colours only a terminal without NO_COLOR", () => {
    expect(terminalOptions({ isTTY: true, columns: 120 }, {})).toEqual({ colour: true, width: 100 });
    expect(terminalOptions({ isTTY: true }, { NO_COLOR: "1" }).colour).toBe(false);
    expect(terminalOptions({ isTTY: false }, {}).colour).toBe(false);
    expect(terminalOptions({}, {}).colour).toBe(false);
  });

  it("wraps a wide table to the width, one row per block with each cell under its column's name", () => {
    const markdown = `| variant | delivery |\n| --- | --- |\n| tcp | ${"at-most-once ".repeat(10).trim()} |\n| rest | confirmed |\n`;
    const plain = renderMarkdown(markdown, { colour: false, width: 50 });
    for (const line of plain.split("\n")) expect(line.length).toBeLessThanOrEqual(50);
    expect(plain).toContain("  variant   tcp\n  delivery  at-most-once");
    expect(plain).toContain("  variant   rest\n  delivery  confirmed");
    expect(plain).not.toContain(ESC);
  });

  it("styles headings when colours are on, and prints relative links as docs paths", async () => {
    // chalk decides at import whether this process may colour: a child with FORCE_COLOR may.
    const script = `import { renderMarkdown } from ${JSON.stringify(explainModule)};
process.stdout.write(renderMarkdown("## Title\\n\\nSee [guarantees](guarantees.md#x), [at-most-once](concepts.md#at-most-once).\\n", { colour: true, width: 80 }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", tsxLoader, "--input-type=module", "-e", script],
      { timeout: 60_000, env: { ...process.env, FORCE_COLOR: "1" } },
    );
    expect(stdout).toContain(ESC);
    expect(stdout).toContain("guarantees (docs/guarantees.md#x)");
    expect(stdout).toContain(", at-most-once."); // a concept stays a word
    expect(stdout).not.toContain("concepts.md");
  });
});
