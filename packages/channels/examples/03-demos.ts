// Runs both channel demos without the harness: node --import tsx examples/03-demos.ts
import { consoleNarrator } from "@ipc-atlas/core";
import { channelsBuffered, channelsUnbuffered } from "../src/index.ts";

for (const variant of [channelsBuffered, channelsUnbuffered]) {
  console.log(`━━ ${variant.id}`);
  await variant.demo?.(consoleNarrator());
  console.log();
}
