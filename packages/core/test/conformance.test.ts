import { runConformanceSuite } from "../src/conformance/index.ts";
import { socketFixture } from "./fixtures/socket-variant.ts";

// The suite's separate-process path, proven on a small Unix-socket fixture.
runConformanceSuite(socketFixture);
