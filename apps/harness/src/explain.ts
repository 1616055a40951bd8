/**
 * `ipc-atlas explain <id>`: the variant's catalogue entry in the terminal. The text comes
 * from the same page as the docs (docs/<id>.md), not from a second copy; the terminal view
 * leaves out the generated parts (transcript, numbers) that `demo` and `bench` show live, and
 * the generator's `<!-- generated -->` markers, and renders the Markdown for a terminal
 * (marked + marked-terminal): headings keep their `##`, code is indented, tables become
 * aligned label/value lines that wrap to the terminal's width instead of boxes wider than it.
 * Colours only on a terminal, and never with NO_COLOR set (https://no-color.org).
 */

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { type AnyVariant, taxonomyPath } from "@ipc-atlas/core";
import { Marked, type Tokens } from "marked";
import { markedTerminal } from "marked-terminal";

export const docsDir = fileURLToPath(new URL("../../../docs/", import.meta.url));

export function docsPagePath(id: string): string {
  return `${docsDir}${id}.md`;
}

/**
 * Drops what a terminal reader does not need: the sections `demo` and `bench` show live, the
 * navigation, and every HTML comment (the generator's block markers among them).
 */
export function terminalEntry(markdown: string): string {
  const out: string[] = [];
  let skipping = false;
  const text = markdown
    .replace(/<!-- generated:nav -->[\s\S]*?<!-- \/generated:nav -->\n?/g, "")
    .replace(/<!--[\s\S]*?-->\n?/g, "");
  for (const line of text.split("\n")) {
    if (/^## /.test(line)) skipping = /^## (Transcript|Numbers)/.test(line);
    if (/^\[?← |^\*\*Prev/.test(line)) continue;
    if (!skipping) out.push(line);
  }
  return out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

export interface TerminalOptions {
  /** ANSI colours and styles; off, the output is plain text. */
  colour: boolean;
  /** Columns to wrap paragraphs and tables to. */
  width: number;
}

/** Colours only when `stream` is a terminal and NO_COLOR is unset or empty. */
export function terminalOptions(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): TerminalOptions {
  return {
    colour: stream.isTTY === true && !env.NO_COLOR,
    width: Math.max(40, Math.min(stream.columns || 80, 100)),
  };
}

const visible = (text: string) => stripVTControlCharacters(text).length;

/** Word-wraps `text` (which may hold ANSI styles) to lines of at most `width` visible columns. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/ +/)) {
    if (line && visible(line) + 1 + visible(word) > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/**
 * A table as lines that fit the width. A label/value table (the pages' `| | |` tables with an
 * empty header) becomes aligned pairs; any other table, one block per row with each cell under
 * its column's name: a wide table never runs off the right edge.
 */
function table(token: Tokens.Table, inline: (cell: Tokens.TableCell) => string, width: number): string {
  const header = token.header.map(inline);
  const rows = token.rows.map((row) => row.map(inline));
  const pairs = header.every((cell) => visible(cell) === 0) && header.length === 2;
  const blocks = pairs
    ? [rows.map(([label = "", value = ""]) => [label, value] as const)]
    : rows.map((row) => row.map((cell, i) => [header[i] ?? "", cell] as const));
  const labelWidth = Math.min(24, Math.max(...blocks.flat().map(([label]) => visible(label))));
  const valueWidth = Math.max(20, width - labelWidth - 4);
  const out = blocks.map((block) =>
    block
      .flatMap(([label, value]) =>
        wrap(value, valueWidth).map(
          (line, i) =>
            `  ${i === 0 ? label + " ".repeat(Math.max(0, labelWidth - visible(label))) : " ".repeat(labelWidth)}  ${line}`,
        ),
      )
      .join("\n"),
  );
  return `${out.join("\n\n")}\n\n`;
}

/** Markdown rendered for a terminal, plain unless `options.colour`. */
export function renderMarkdown(markdown: string, options: TerminalOptions): string {
  const marked = new Marked().use(
    markedTerminal({ width: options.width, reflowText: true, showSectionPrefix: true, emoji: false, tab: 4 }),
    {
      renderer: {
        table(token) {
          return table(token, (cell) => this.parser.parseInline(cell.tokens), options.width);
        },
        // Relative links point into docs/; a terminal cannot follow them, so print where they go.
        // A word linked to its definition in concepts.md stays a word: the table stays readable.
        link(token) {
          const text = this.parser.parseInline(token.tokens);
          if (token.href.startsWith("concepts.md#")) return text;
          const href = /^[a-z]+:|^#/.test(token.href) ? token.href : `docs/${token.href}`;
          return text === token.href ? href : `${text} (${href})`;
        },
        image(token) {
          return `[image: ${token.text} — docs/${token.href}]`;
        },
      },
    },
  );
  const rendered = `${(marked.parse(markdown) as string).replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
  // The styling libraries decide on colour by themselves (and ignore NO_COLOR): when colours
  // are off, whatever they added comes out again.
  return options.colour ? rendered : stripVTControlCharacters(rendered);
}

export function explain(
  variant: AnyVariant,
  packageName?: string,
  options: TerminalOptions = terminalOptions(),
): string {
  const t = variant.taxonomy;
  const header = [
    `${variant.id}`,
    `  path:    ${taxonomyPath(variant).join(" › ")}`,
    `  scope:   ${t.scope}`,
    `  model:   ${t.model}`,
    `  timing:  ${t.timing}`,
    `  medium:  ${t.medium}`,
    ...(packageName ? [`  package: ${packageName}`] : []),
    "",
  ].join("\n");
  const page = docsPagePath(variant.id);
  if (!existsSync(page)) return `${header}${variant.summary}\n`;
  return `${header}\n${renderMarkdown(terminalEntry(readFileSync(page, "utf8")), options)}`;
}
