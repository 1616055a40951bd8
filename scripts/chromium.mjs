// The one place that finds Chromium, for the setup (install it when missing) and for the test
// that checks the benchmark report in a browser. `CHROMIUM_PATH` wins; otherwise the first
// of Debian's and other distributions' names found on the PATH.

import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

const NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

/** The Chromium executable's path, or undefined when there is none. */
export function findChromium(env = process.env) {
  const candidates = env.CHROMIUM_PATH
    ? [env.CHROMIUM_PATH]
    : (env.PATH ?? "").split(delimiter).flatMap((dir) => (dir ? NAMES.map((name) => join(dir, name)) : []));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const CHROMIUM_INSTALL = "apt-get install -y chromium (or set CHROMIUM_PATH)";
