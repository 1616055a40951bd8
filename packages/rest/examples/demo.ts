/**
 * Runs the rest demo in this terminal: an express server process and a client process,
 * narrated as they talk.   node --import tsx packages/rest/examples/demo.ts
 */

import { consoleNarrator } from "@ipc-atlas/core";
import { rest } from "../src/index.ts";

await rest.demo?.(consoleNarrator());
