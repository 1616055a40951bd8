import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { rest } from "../src/index.ts";

// Producer and consumer each in their own process; the consumer's process runs the server.
runConformanceSuite(rest);
