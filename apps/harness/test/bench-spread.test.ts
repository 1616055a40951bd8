import { describe, expect, it } from "vitest";
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
