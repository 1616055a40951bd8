import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { sharedMemoryWorkers } from "../src/index.ts";

runConformanceSuite(sharedMemoryWorkers);
