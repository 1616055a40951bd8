import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { pubSubNatsNetwork } from "../src/index.ts";

runConformanceSuite(pubSubNatsNetwork);
