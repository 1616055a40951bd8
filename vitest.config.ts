import { existsSync, readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

// One project per workspace package that has a test/ folder, so a new package is picked up
// without touching this file. Tests run from source: packages export their src/ directly.
const roots = ["packages", "apps"].flatMap((group) =>
  existsSync(group) ? readdirSync(group).map((name) => `${group}/${name}`) : [],
);

export default defineConfig({
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
