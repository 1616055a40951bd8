import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { sharedMemoryPosix, sharedMemoryWorkers } from "../src/index.ts";

// Workers: each side on a worker thread of its own. POSIX: each side in its own OS process.
runConformanceSuite(sharedMemoryWorkers);
runConformanceSuite(sharedMemoryPosix);
