import { existsSync, readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

// One project per workspace package that has a test/ folder, so a new package is picked up
// without touching this file. Tests run from source: the published packages' exports map a
// custom condition to src/, which Vite resolves here, and which every process a test starts
// (plain node, tsx, spawnScript) gets through NODE_OPTIONS, so nothing is built first.
const SOURCE_CONDITION = "@ipc-atlas/source";
const sourceOption = `--conditions=${SOURCE_CONDITION}`;
if (!process.env.NODE_OPTIONS?.includes(sourceOption))
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, sourceOption].filter(Boolean).join(" ");

// Vite's own defaults for server code, after ours (naming conditions replaces the defaults).
const conditions = [SOURCE_CONDITION, "module", "node", "development|production"];

const roots = ["packages", "apps"].flatMap((group) =>
  existsSync(group) ? readdirSync(group).map((name) => `${group}/${name}`) : [],
);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // Tests spawn real processes and servers; forks keep a crash in a native addon contained.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: roots
      .filter((root) => existsSync(`${root}/test`))
      .map((root) => ({
        extends: true,
        test: { name: root.split("/")[1], root, include: ["test/**/*.test.ts"] },
      })),
  },
});
