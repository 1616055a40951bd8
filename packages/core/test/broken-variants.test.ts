import { describe, expect, it } from "vitest";
import { conformanceCases, runConformanceSuite } from "../src/conformance/index.ts";
import { type Breakage, memoryVariant } from "./fixtures/memory-variant.ts";

// The reference passes the whole suite, both as a buffered and as a synchronous medium...
runConformanceSuite(memoryVariant({ synchronous: false }));
runConformanceSuite(memoryVariant({ synchronous: true }));

// ...and each broken contract makes the case that guards it fail.
const expectations: Array<{ breakage: Breakage; synchronous: boolean; caseName: RegExp; message: RegExp }> = [
  { breakage: "reorders", synchronous: false, caseName: /in order/, message: /expected/ },
  {
    breakage: "drops-last-on-close",
    synchronous: false,
    caseName: /^close\(\) ends/,
    message: /deepStrictEqual|Expected/,
  },
  {
    breakage: "resolves-before-taken",
    synchronous: true,
    caseName: /^synchronous/,
    message: /nobody had taken/,
  },
  {
    breakage: "unbounded-buffer",
    synchronous: false,
    caseName: /memory bounded/,
    message: /must wait for the consumer/,
  },
  {
    breakage: "accepts-oversize",
    synchronous: false,
    caseName: /oversized/,
    message: /Missing expected rejection/,
  },
  {
    breakage: "send-after-close-succeeds",
    synchronous: false,
    caseName: /after close/,
    message: /Missing expected rejection/,
  },
];

describe("the conformance suite catches broken variants", () => {
  for (const { breakage, synchronous, caseName, message } of expectations) {
    it(`fails a variant that ${breakage.replaceAll("-", " ")}`, async () => {
      const variant = memoryVariant({ synchronous, breakage });
      const cases = conformanceCases(variant).filter((c) => caseName.test(c.name));
      expect(cases).toHaveLength(1);
      await expect(cases[0]!.run()).rejects.toThrow(message);
    });
  }
});
