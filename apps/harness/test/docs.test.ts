import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { variantIds } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { fillBlocks, normaliseLine, readBlocks, repoRoot, sameTranscript } from "../src/docs.ts";

function markdownFiles(): string[] {
  const files = [join(repoRoot, "README.md")];
  for (const dir of [
    "docs",
    ...readdirSync(join(repoRoot, "packages")).map((p) => `packages/${p}`),
    "apps/harness",
  ]) {
    const abs = join(repoRoot, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs)) if (name.endsWith(".md")) files.push(join(abs, name));
  }
  return files;
}

describe("the catalogue", () => {
  it("has a page for every one of the 15 variants", () => {
    expect(variantIds).toHaveLength(15);
    for (const id of variantIds) expect(existsSync(join(repoRoot, "docs", `${id}.md`)), id).toBe(true);
  });

  it("keeps every variant page short enough to read in five minutes (under 150 lines)", () => {
    const ids = [...variantIds, "message-queues-jetstream"];
    const long = ids
      .map(
        (id) =>
          [id, readFileSync(join(repoRoot, "docs", `${id}.md`), "utf8").split("\n").length - 1] as const,
      )
      .filter(([, lines]) => lines >= 150);
    expect(long).toEqual([]);
  });

  it("has no link, in README or docs or a package README, that leads nowhere", () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = resolve(dirname(file), target.split("#")[0]!);
        if (!existsSync(path)) broken.push(`${file.replace(repoRoot, "")} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("fills generated blocks and leaves the prose alone", () => {
    const page = "intro\n<!-- generated:x -->\nold\n<!-- /generated:x -->\noutro\n";
    const filled = fillBlocks(page, { x: "new\n" });
    expect(filled).toBe("intro\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\noutro\n");
    expect(readBlocks(filled)).toEqual({ x: "new\n" });
  });
});

describe("transcript drift check", () => {
  it("ignores times, pids, ports and temp paths", () => {
    expect(
      normaliseLine("  +0.012s  producer[pid 4242]  SEND  to 127.0.0.1:39211 in /tmp/ipc-atlas-abc/q"),
    ).toBe(normaliseLine("  +1.980s  producer[pid 7]  SEND  to 127.0.0.1:41000 in /tmp/ipc-atlas-xyz/q"));
  });

  it("accepts another interleaving of processes, and another member of a group taking a message", () => {
    const a =
      "  +0.001s  producer  SEND  #1\n  +0.002s  consumer  RECEIVED #1\n  +0.003s  producer  SEND  #2\n";
    const b =
      "  +0.001s  producer  SEND  #1\n  +0.002s  producer  SEND  #2\n  +0.004s  consumer  RECEIVED #1\n";
    expect(sameTranscript(a, b)).toBe(true);
    const w1 = "  +0.100s  worker 1  RECEIVED job #1\n  +0.100s  worker 2  RECEIVED job #2\n";
    const w2 = "  +0.100s  worker 2  RECEIVED job #1\n  +0.100s  worker 1  RECEIVED job #2\n";
    expect(sameTranscript(w1, w2)).toBe(true);
  });

  it("fails when a demo says something else, drops an event or changes an actor", () => {
    const a = "  +0.001s  producer  SEND  #1\n  +0.002s  consumer  RECEIVED #1\n";
    expect(sameTranscript(a, "  +0.001s  producer  SEND  #1\n  +0.002s  consumer  TOOK #1\n")).toBe(false);
    expect(sameTranscript(a, "  +0.001s  producer  SEND  #1\n")).toBe(false);
    expect(sameTranscript(a, "  +0.001s  producer  SEND  #1\n  +0.002s  reader  RECEIVED #1\n")).toBe(false);
  });
});
