import { normalQuantile, normalSurvival, studentTQuantile, studentTTwoSided } from './distributions.ts';

/** A closed interval. */
export interface Interval {
  lower: number;
  upper: number;
}

/** n, mean and sample variance (n - 1 denominator) of one group. */
export interface SampleSummary {
  n: number;
  mean: number;
  variance: number;
}

/** Summarises a group from running sums, as SQL aggregates return them. */
export function summarize(n: number, sum: number, sumOfSquares: number): SampleSummary {
  if (n <= 0) return { n: 0, mean: 0, variance: 0 };
  const mean = sum / n;
  // Clamped: rounding can push a zero variance slightly negative.
  const variance = n > 1 ? Math.max(0, (sumOfSquares - n * mean * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

/**
 * Two-sided two-proportion z-test with the pooled standard error (the textbook form for
 * H0: p_a = p_b). Returns z = (p_b - p_a) / SE and its p-value.
 */
export function twoProportionZTest(
  a: { successes: number; n: number },
  b: { successes: number; n: number },
): { z: number; pValue: number } {
  if (a.n === 0 || b.n === 0) return { z: 0, pValue: 1 };
  const pooled = (a.successes + b.successes) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  if (se === 0) return { z: 0, pValue: 1 };
  const z = (b.successes / b.n - a.successes / a.n) / se;
  return { z, pValue: 2 * normalSurvival(Math.abs(z)) };
}

/** Welch's unequal-variance t-test of b against a, two-sided, with Welch–Satterthwaite df. */
export function welchTTest(a: SampleSummary, b: SampleSummary): { t: number; df: number; pValue: number } {
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  if (!(se2 > 0) || a.n < 2 || b.n < 2) return { t: 0, df: Number.NaN, pValue: 1 };
  const t = (b.mean - a.mean) / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  return { t, df, pValue: studentTTwoSided(t, df) };
}

/** The Wilson score interval for a proportion (good coverage even near 0 or 1, unlike Wald's). */
export function wilsonInterval(successes: number, n: number, alpha = 0.05): Interval {
  if (n === 0) return { lower: 0, upper: 1 };
  const z = normalQuantile(1 - alpha / 2);
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** The t interval for a mean. */
export function meanInterval(summary: SampleSummary, alpha = 0.05): Interval {
  if (summary.n < 2) return { lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY };
  const half = studentTQuantile(1 - alpha / 2, summary.n - 1) * Math.sqrt(summary.variance / summary.n);
  return { lower: summary.mean - half, upper: summary.mean + half };
}
