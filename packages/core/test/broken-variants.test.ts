import { describe, expect, it } from "vitest";
import { conformanceCases, runConformanceSuite } from "../src/conformance/index.ts";
import { type Breakage, memoryVariant } from "./fixtures/memory-variant.ts";
import { shortcutInProcess, shortcutInterProcess } from "./fixtures/shortcut-variant.ts";

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
  {
    breakage: "corrupts-large-payloads",
    synchronous: false,
    caseName: /exact binary payloads/,
    message: /arrived changed/,
  },
  {
    breakage: "waiting-sends-overtake",
    synchronous: false,
    caseName: /without awaiting/,
    message: /sends in flight together/,
  },
  {
    breakage: "close-leaves-next-pending",
    synchronous: false,
    caseName: /next\(\) is pending/,
    message: /did not settle/,
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

describe("the conformance suite puts inter-process ends in separate processes", () => {
  // Message bytes that travel through one process's memory pass when both ends share it...
  const ordered = (variant: typeof shortcutInProcess) => {
    const cases = conformanceCases(variant, { messages: 200 }).filter((c) => /in order/.test(c.name));
    expect(cases).toHaveLength(1);
    return cases[0]!;
  };
  it("passes the shortcut variant when both ends are in one process (the control)", async () => {
    await ordered(shortcutInProcess).run();
  });
  // ...and fail as soon as the suite runs producer and consumer as two processes.
  it("fails the shortcut variant across two processes", async () => {
    await expect(ordered(shortcutInterProcess).run()).rejects.toThrow(/message 0 arrived with 0 bytes/);
  });
});
