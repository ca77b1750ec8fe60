import { normalQuantile, studentTQuantile } from './distributions.ts';
import { DEFAULT_SEQUENTIAL_TUNING, sequentialHalfWidth } from './sequential.ts';
import { type Interval, type SampleSummary, twoProportionZTest, welchTTest } from './tests.ts';

/** A lift with its fixed-horizon and always-valid (sequential) intervals. */
export interface LiftEstimate {
  estimate: number;
  /** Valid for one look at a sample size fixed in advance. */
  fixed: Interval;
  /** Valid however often the comparison is looked at. */
  sequential: Interval;
}

/** A treatment compared with the baseline. */
export interface Comparison {
  /** treatment − baseline. */
  absolute: LiftEstimate;
  /** treatment / baseline − 1; null when the baseline mean is 0. */
  relative: LiftEstimate | null;
  /** Fixed-horizon two-sided p-value of the test named in `test`. */
  pValue: number;
  test: 'two-proportion-z' | 'welch-t';
  /** Judged by the sequential interval of the absolute lift excluding 0, so repeated looks stay honest. */
  significant: boolean;
}

/** Options for the comparisons. */
export interface CompareOptions {
  /** Default 0.05 (95 % intervals). */
  alpha?: number;
  /** mSPRT tuning, in units (default 5000). */
  tuning?: number;
}

interface Moments {
  n: number;
  mean: number;
  /** Per-unit variance. */
  variance: number;
}

/**
 * Conversions: baseline `a` against treatment `b`, each counted in units. p-value from the pooled
 * two-proportion z-test; intervals from the unpooled (Wald) variance, delta method for the relative lift.
 */
export function compareConversions(
  a: { conversions: number; units: number },
  b: { conversions: number; units: number },
  options: CompareOptions = {},
): Comparison {
  const alpha = options.alpha ?? 0.05;
  const pa = a.units > 0 ? a.conversions / a.units : 0;
  const pb = b.units > 0 ? b.conversions / b.units : 0;
  const test = twoProportionZTest(
    { successes: a.conversions, n: a.units },
    { successes: b.conversions, n: b.units },
  );
  const ma = { n: a.units, mean: pa, variance: pa * (1 - pa) };
  const mb = { n: b.units, mean: pb, variance: pb * (1 - pb) };
  return build(ma, mb, normalQuantile(1 - alpha / 2), test.pValue, 'two-proportion-z', alpha, options.tuning);
}

/** Values (such as revenue per unit): Welch's t-test, t intervals with Welch–Satterthwaite df. */
export function compareMeans(a: SampleSummary, b: SampleSummary, options: CompareOptions = {}): Comparison {
  const alpha = options.alpha ?? 0.05;
  const test = welchTTest(a, b);
  const critical = Number.isFinite(test.df)
    ? studentTQuantile(1 - alpha / 2, test.df)
    : Number.POSITIVE_INFINITY;
  return build(a, b, critical, test.pValue, 'welch-t', alpha, options.tuning);
}

function build(
  a: Moments,
  b: Moments,
  critical: number,
  pValue: number,
  test: Comparison['test'],
  alpha: number,
  tuning = DEFAULT_SEQUENTIAL_TUNING,
): Comparison {
  const totalUnits = a.n + b.n;
  const absoluteVariance = a.n > 0 && b.n > 0 ? a.variance / a.n + b.variance / b.n : Number.NaN;
  const absolute = estimate(
    b.mean - a.mean,
    absoluteVariance,
    critical,
    sequentialHalfWidth(absoluteVariance, totalUnits, alpha, tuning),
  );
  let relative: LiftEstimate | null = null;
  if (a.mean !== 0 && a.n > 0 && b.n > 0) {
    // Delta method for the ratio of two independent means.
    const variance = b.variance / (a.mean ** 2 * b.n) + (a.variance * b.mean ** 2) / (a.mean ** 4 * a.n);
    relative = estimate(
      b.mean / a.mean - 1,
      variance,
      critical,
      sequentialHalfWidth(variance, totalUnits, alpha, tuning),
    );
  }
  const significant = absolute.sequential.lower > 0 || absolute.sequential.upper < 0;
  return { absolute, relative, pValue, test, significant };
}

function estimate(point: number, variance: number, critical: number, sequentialHalf: number): LiftEstimate {
  const fixedHalf = variance > 0 ? critical * Math.sqrt(variance) : Number.POSITIVE_INFINITY;
  return {
    estimate: point,
    fixed: { lower: point - fixedHalf, upper: point + fixedHalf },
    sequential: { lower: point - sequentialHalf, upper: point + sequentialHalf },
  };
}
