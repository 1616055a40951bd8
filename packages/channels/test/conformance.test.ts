import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { channelsBuffered, channelsUnbuffered } from "../src/index.ts";

runConformanceSuite(channelsBuffered);
runConformanceSuite(channelsUnbuffered);
