/**
 * Links from the words the pages use to their definitions in docs/concepts.md, so that a
 * generated semantics row like "at-most-once: a receive removes the message" teaches the word
 * where it is used. The anchors are the headings of concepts.md (GitHub's slugs); a test
 * checks that each one exists.
 */

import type { Semantics } from "@ipc-atlas/core";

/** The concept behind a semantics row (limits and access have none): pages link the row's title to it. */
export const semanticsConcepts: Readonly<Partial<Record<keyof Semantics | "timing", string>>> = {
  timing: "synchronous-and-asynchronous",
  blocking: "backpressure",
  buffering: "backpressure",
  ordering: "ordering",
  delivery: "delivery-guarantees",
  durability: "durability",
  boundaries: "framing",
  scope: "scope",
};

/** A term as it appears in prose (a regular expression, matched whole-word) → its anchor. */
export const conceptTerms: ReadonlyArray<readonly [RegExp, string]> = [
  [/at-most-once/i, "at-most-once"],
  [/at-least-once/i, "at-least-once"],
  [/exactly-once/i, "exactly-once"],
  [/idempoten(?:cy|t)(?: key)?/i, "idempotency"],
  [/backpressure/i, "backpressure"],
  [/framed|framing/i, "framing"],
  [/rendezvous/i, "synchronous-and-asynchronous"],
  [/(?:a)?synchronous/i, "synchronous-and-asynchronous"],
  [/durab(?:le|ility)/i, "durability"],
  [/fan-out|fans out/i, "fan-out-and-work-queues"],
  [/work[- ]queue|queue group/i, "fan-out-and-work-queues"],
  [/broker(?:less)?/i, "broker-and-brokerless"],
  [/round trip|latency under load/i, "latency-under-load-and-round-trip"],
];

/** Markdown links, inline code and HTML: left as they are. */
const PROTECTED = /(\[[^\]]*\]\([^)]*\)|`[^`]*`|<[^>]+>)/;

/**
 * `markdown` with the first use of each concept linked to concepts.md (`prefix` is the path
 * from the page to docs/, "" for pages in docs/). Text inside code, links and HTML is left
 * alone, and so is each later use of a term already linked.
 */
export function linkConcepts(markdown: string, prefix = ""): string {
  const pieces = markdown.split(PROTECTED).map((text, i) => ({ text, plain: i % 2 === 0 }));
  const linked = new Set<string>();
  for (const [term, anchor] of conceptTerms) {
    if (linked.has(anchor)) continue;
    const whole = new RegExp(`(?<![\\w-])(?:${term.source})(?![\\w-])`, "i");
    const at = pieces.findIndex((piece) => piece.plain && whole.test(piece.text));
    if (at === -1) continue;
    const { text } = pieces[at]!;
    const match = whole.exec(text)!;
    pieces.splice(
      at,
      1,
      { text: text.slice(0, match.index), plain: true },
      { text: `[${match[0]}](${prefix}concepts.md#${anchor})`, plain: false },
      { text: text.slice(match.index + match[0].length), plain: true },
    );
    linked.add(anchor);
  }
  return pieces.map((piece) => piece.text).join("");
}
