import { runConformanceSuite } from "@ipc-atlas/core/conformance";
import { messageQueuesJetStream } from "../src/jetstream/index.ts";

runConformanceSuite(messageQueuesJetStream);
