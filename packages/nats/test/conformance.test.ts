import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { pubSubNatsNetwork, pubSubNatsOs } from "../src/index.ts";

runConformanceSuite(pubSubNatsOs);
runConformanceSuite(pubSubNatsNetwork);
