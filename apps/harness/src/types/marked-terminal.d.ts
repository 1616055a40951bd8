// marked-terminal ships no types, and @types/marked-terminal pins a marked older than ours:
// this declares the one function explain.ts calls.
declare module "marked-terminal" {
  import type { MarkedExtension } from "marked";

  export interface TerminalRendererOptions {
    /** Column count for reflowed text and rules. */
    width?: number;
    reflowText?: boolean;
    /** Print `##` before headings (the page's own outline). */
    showSectionPrefix?: boolean;
    tab?: number;
    emoji?: boolean;
    /** Options for cli-table3 (style, colWidths, wordWrap). */
    tableOptions?: Record<string, unknown>;
    [style: string]: unknown;
  }

  export function markedTerminal(
    options?: TerminalRendererOptions,
    highlightOptions?: object,
  ): MarkedExtension;
}
