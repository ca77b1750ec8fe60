/**
 * Always-valid ("sequential") intervals in the normal-mixture mSPRT form that GrowthBook's and
 * Optimizely's engines use (Waudby-Smith et al., "Time-uniform central limit theory and asymptotic
 * confidence sequences", eq. 9, with the mixing variance chosen by eq. 161). An interval built this
 * way may be looked at after every unit without inflating the false-positive rate above alpha.
 */

/** Default tuning: the number of units at which the interval is tightest relative to a fixed one. */
export const DEFAULT_SEQUENTIAL_TUNING = 5000;

/** The mixing parameter ρ that makes the boundary tightest at `tuning` units. */
export function mixingRho(alpha: number, tuning: number): number {
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / tuning);
}

/**
 * Half-width of the always-valid interval around an estimate whose variance is `variance`, after
 * `totalUnits` units in both arms together. Scales the per-unit variance (variance × N) by the
 * boundary at N, so it is wider than the fixed-horizon interval at every N.
 */
export function sequentialHalfWidth(
  variance: number,
  totalUnits: number,
  alpha: number,
  tuning = DEFAULT_SEQUENTIAL_TUNING,
): number {
  if (!(variance > 0) || totalUnits <= 0) return Number.POSITIVE_INFINITY;
  const rho = mixingRho(alpha, tuning);
  const nRho2 = totalUnits * rho * rho;
  const perUnit = variance * totalUnits;
  const boundary = (2 * (nRho2 + 1) * Math.log(Math.sqrt(nRho2 + 1) / alpha)) / (totalUnits * nRho2);
  return Math.sqrt(perUnit) * Math.sqrt(boundary);
}
