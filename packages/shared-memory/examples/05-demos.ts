/** Runs this package's demos in this terminal: node --import tsx examples/05-demos.ts */

import { consoleNarrator } from "@ipc-atlas/core";
import { variants } from "../src/index.ts";

for (const variant of variants) await variant.demo?.(consoleNarrator());
