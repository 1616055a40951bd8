import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { pipesUnnamed, pipesUnnamedIo } from "../src/index.ts";

runConformanceSuite(pipesUnnamed);
runConformanceSuite(pipesUnnamedIo);
