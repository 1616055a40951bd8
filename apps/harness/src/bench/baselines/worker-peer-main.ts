/** The worker thread of the worker-threads baseline: its end of the MessagePort. */

import { parentPort } from "node:worker_threads";
import { servePeer } from "./peer-side.ts";

const port = parentPort!;
port.on(
  "message",
  servePeer((value) => port.postMessage(value)),
);
