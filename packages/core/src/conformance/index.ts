/**
 * The shared conformance suite. Each package's `test/conformance.test.ts` is one call:
 *
 *   runConformanceSuite(messageQueues);
 *
 * Cases are titled `<variant>: <case>`. Inter-process variants run producer and consumer in
 * separate OS processes.
 */

import { describe, it } from "vitest";
import type { AnyVariant } from "../variant.ts";
import { type ConformanceOptions, conformanceCases } from "./cases.ts";

export { AllocationRefusedError, type AllocationWatch, watchAllocations } from "./allocations.ts";
export type { ConformanceCase, ConformanceOptions } from "./cases.ts";
export { conformanceCases } from "./cases.ts";
export { openPair, type Pair } from "./fixture.ts";

export function runConformanceSuite(variant: AnyVariant, options: ConformanceOptions = {}): void {
  describe(`conformance: ${variant.id}`, () => {
    for (const testCase of conformanceCases(variant, options)) {
      const title = `${variant.id}: ${testCase.name}`;
      if (testCase.skip) it.skip(`${title} (not applicable: ${testCase.skip})`, testCase.run);
      else it(title, testCase.run, testCase.timeoutMs);
    }
  });
}
