import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { pubSubNatsOs } from "../src/index.ts";

runConformanceSuite(pubSubNatsOs);
