import { consoleNarrator } from "@ipc-atlas/core";
import { variants } from "../src/index.ts";

const v = variants.find((x) => x.id === process.argv[2])!;
await v.demo!(consoleNarrator());
