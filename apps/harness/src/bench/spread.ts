/**
 * Figures over rounds: every figure the bench prints is the median of its rounds with their
 * min–max beside it, and a row whose spread is wide is flagged, so one lucky or unlucky round
 * on a shared machine cannot pass for the variant's figure.
 */

/** A spread wider than this fraction of the median marks the row unstable. */
export const UNSTABLE_SPREAD = 0.25;

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max − min) ÷ median above UNSTABLE_SPREAD. */
  unstable: boolean;
}

/** Median, range and the unstable flag of some rounds' figures; null without any. */
export function spread(values: readonly number[]): Spread | null {
  const m = median(values);
  if (m === null) return null;
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, min, max, unstable: m > 0 ? (max - min) / m > UNSTABLE_SPREAD : max > min };
}
