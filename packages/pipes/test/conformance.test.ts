import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { pipesNamed, pipesUnnamed, pipesUnnamedIo } from "../src/index.ts";

runConformanceSuite(pipesUnnamed);
runConformanceSuite(pipesUnnamedIo);
runConformanceSuite(pipesNamed);
