/** Runs the message-queues demo in this terminal: node --import tsx examples/demo.ts */

import { consoleNarrator } from "@ipc-atlas/core";
import { messageQueues } from "../src/index.ts";

await messageQueues.demo?.(consoleNarrator());
