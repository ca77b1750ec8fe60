import { chiSquareSurvival } from './distributions.ts';

/** The p-value below which a sample ratio mismatch is reported. */
export const SRM_P_THRESHOLD = 0.001;

/** A sample ratio mismatch check for one routing revision. */
export interface SrmResult {
  chiSquare: number;
  degreesOfFreedom: number;
  pValue: number;
  /** Units each arm should have had under the configured split. */
  expected: number[];
  /** pValue < threshold: the split is broken and every comparison on it is suspect. */
  flagged: boolean;
}

/**
 * Pearson's chi-square goodness-of-fit of observed units per arm against the configured weights.
 * Arms with weight 0 are left out unless they received units, which is a mismatch by itself.
 */
export function sampleRatioMismatch(
  observed: readonly number[],
  weights: readonly number[],
  threshold = SRM_P_THRESHOLD,
): SrmResult {
  const total = observed.reduce((sum, n) => sum + n, 0);
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  const expected = weights.map((w) => (weightSum > 0 ? (total * w) / weightSum : 0));
  if (total === 0 || weightSum === 0) {
    return { chiSquare: 0, degreesOfFreedom: 0, pValue: 1, expected, flagged: false };
  }
  let chiSquare = 0;
  let arms = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] ?? 0;
    const e = expected[i] ?? 0;
    if (e === 0) {
      if (o > 0)
        return {
          chiSquare: Number.POSITIVE_INFINITY,
          degreesOfFreedom: 0,
          pValue: 0,
          expected,
          flagged: true,
        };
      continue;
    }
    chiSquare += ((o - e) * (o - e)) / e;
    arms += 1;
  }
  const degreesOfFreedom = Math.max(0, arms - 1);
  const pValue = degreesOfFreedom === 0 ? 1 : chiSquareSurvival(chiSquare, degreesOfFreedom);
  return { chiSquare, degreesOfFreedom, pValue, expected, flagged: pValue < threshold };
}
