import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { tcp, tcpIp } from "../src/index.ts";

runConformanceSuite(tcp);
runConformanceSuite(tcpIp);
