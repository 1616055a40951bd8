import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { grpcNetwork, grpcOs } from "../src/index.ts";

runConformanceSuite(grpcOs);
runConformanceSuite(grpcNetwork);
