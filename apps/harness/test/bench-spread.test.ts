import { describe, expect, it } from "vitest";
import { latencyPlanFor } from "../src/bench/index.ts";
import { lagAllowanceNs, latencyAtRate } from "../src/bench/results.ts";
import type { RunOutcome } from "../src/bench/runner.ts";
import { median, spread, UNSTABLE_SPREAD } from "../src/bench/spread.ts";

describe("figures over rounds", () => {
  it("take the median: the middle value, or the mean of the two middle ones", () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("keep the min–max beside the median", () => {
    expect(spread([900, 1000, 1100])).toEqual({ median: 1000, min: 900, max: 1100, unstable: false });
    expect(spread([])).toBeNull();
  });

  it("flag a spread over 25 % of the median as unstable, and not one at or under it", () => {
    expect(UNSTABLE_SPREAD).toBe(0.25);
    expect(spread([875, 1000, 1125])!.unstable).toBe(false); // exactly 25 %
    expect(spread([870, 1000, 1130])!.unstable).toBe(true); // 26 %
    expect(spread([190_000, 1_060_000, 600_000])).toMatchObject({ median: 600_000, unstable: true });
    expect(spread([5, 5, 5])!.unstable).toBe(false);
  });
});

describe("a latency run at an offered rate", () => {
  const plan = latencyPlanFor(64, 1000, 2, "0");
  // 2,000 measured messages over 2 s: the offered rate, as far as arrivals per second go.
  const outcome = (tailLagNs: number | undefined, arrivedPerSec = 1000): RunOutcome => ({
    status: "ok",
    report: {
      sender: {
        sent: plan.warmup + plan.messages,
        measuredSent: plan.messages,
        startNs: 0,
        endNs: 2e9,
        cpu: { userMs: 1, systemMs: 1 },
        ...(tailLagNs === undefined ? {} : { tailLagNs }),
      },
      receiver: {
        received: plan.warmup + plan.messages,
        distinct: plan.warmup + plan.messages,
        measuredReceived: plan.messages,
        lost: 0,
        duplicated: 0,
        reordered: 0,
        corrupt: 0,
        firstNs: 0,
        timedNs: 2.2e9,
        timedCount: Math.round(arrivedPerSec * 2.2),
        lastNs: 2.2e9,
        latencyUs: { p50: 79_000, p99: 116_000, p999: 119_000, max: 119_500, mean: 80_000, samples: 2000 },
        cpu: { userMs: 1, systemMs: 1 },
      },
      processes: [],
    },
  });

  it("is held when the producer got back on schedule near the end", () => {
    expect(latencyAtRate(plan, outcome(40_000))).toMatchObject({ status: "ok", p50: 79_000 });
    expect(latencyAtRate(plan, outcome(lagAllowanceNs(1000)))).toMatchObject({ status: "ok" });
  });

  it("is saturated when a backlog never drained, even with about the offered rate arriving", () => {
    // grpc-network at 1,000 msg/s on 2026-11-29: 996 msg/s arrived, p50 79 ms: a backlog, not a latency.
    expect(lagAllowanceNs(1000)).toBe(2e6);
    expect(latencyAtRate(plan, outcome(79e6, 996))).toMatchObject({ status: "saturated", p50: null });
    expect(latencyAtRate(plan, outcome(lagAllowanceNs(1000) + 1))).toMatchObject({ status: "saturated" });
  });

  it("is saturated when under 90 % of the rate arrived per second", () => {
    expect(latencyAtRate(plan, outcome(0, 890))).toMatchObject({ status: "saturated" });
    expect(lagAllowanceNs(100_000)).toBe(1e6);
  });
});
