/** The baselines measured beside the variants, found by id like the variants are. */

import type { Baseline } from "./baseline.ts";
import { mqPackagePairBaseline } from "./mq-package-pair.ts";
import { nodeIpcBaseline } from "./node-ipc.ts";
import { posixMqBaseline } from "./posix-mq.ts";
import { workerThreadsBaseline } from "./worker-threads.ts";

export type { Baseline, BaselineSession } from "./baseline.ts";
export const baselines: readonly Baseline[] = [
  nodeIpcBaseline,
  workerThreadsBaseline,
  posixMqBaseline,
  mqPackagePairBaseline,
];
