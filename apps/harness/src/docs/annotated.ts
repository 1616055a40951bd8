/**
 * An example program as a page shows it, in the manner of gobyexample: the comments written at
 * the left margin become the text, and the code after each comment is shown under it. Comments
 * inside the code (indented, or at the end of a line) stay in the code. The file's opening
 * comment is the example's introduction.
 */

interface Segment {
  prose: string[];
  code: string[];
}

const commentLine = /^\/\/ ?(.*)$/;

/** Splits `source` into text-and-code segments: each run of margin comments starts a new one. */
export function segments(source: string): Segment[] {
  const out: Segment[] = [];
  let current: Segment = { prose: [], code: [] };
  for (const line of source.trimEnd().split("\n")) {
    const comment = commentLine.exec(line);
    if (comment) {
      // A comment after code starts the next segment; consecutive comment lines are one paragraph.
      if (current.code.some((l) => l.trim() !== "")) {
        out.push(current);
        current = { prose: [], code: [] };
      }
      current.prose.push(comment[1]!);
    } else current.code.push(line);
  }
  out.push(current);
  return out.map(({ prose, code }) => ({ prose, code: trimBlankLines(code) }));
}

function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === "") start++;
  while (end > start && lines[end - 1]!.trim() === "") end--;
  return lines.slice(start, end);
}

/** Comment lines joined into paragraphs (an empty `//` line separates two). */
function paragraphs(lines: string[]): string {
  return lines
    .join("\n")
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
    .filter(Boolean)
    .join("\n\n");
}

/** The Markdown of one example: its text and its code, segment by segment. */
export function annotated(source: string): string {
  const parts: string[] = [];
  for (const { prose, code } of segments(source)) {
    const text = paragraphs(prose);
    if (text) parts.push(text);
    if (code.length) parts.push(`\`\`\`ts\n${code.join("\n")}\n\`\`\``);
  }
  return `${parts.join("\n\n")}\n`;
}
