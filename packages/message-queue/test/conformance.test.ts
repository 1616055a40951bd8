import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { messageQueues } from "../src/index.ts";

runConformanceSuite(messageQueues);
