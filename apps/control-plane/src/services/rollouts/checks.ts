import type { RolloutChecks } from '@modelplane/schemas';
import {
  compareConversions,
  histogramCount,
  histogramQuantile,
  sampleRatioMismatch,
} from '@modelplane/stats';

/** One arm's numbers over the tick's window, summed from prediction_rollups. */
export interface ArmCounts {
  requests: number;
  /** 5xx responses. */
  errors: number;
  cacheHits: number;
  /** Merged latency histogram of every request (@modelplane/stats log buckets). */
  latencyBuckets: readonly number[];
  /** Merged histogram of the requests no cache tier answered, from the rows that carry one. */
  uncachedLatencyBuckets: readonly number[];
  /** Requests in rows without an uncached histogram (written by replicas that predate it). */
  unsplitRequests: number;
}

export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'ERROR';

/** The evidence of one check on one tick, stored as is in rollout_ticks.checks. */
export interface CheckResult {
  check: 'error_rate' | 'latency_p99' | 'srm' | 'conversion';
  verdict: Verdict;
  critical: boolean;
  dryRun: boolean;
  /** INCONCLUSIVE holds only the step to 100 (which then waits for approval), not the ramp. */
  promotionGate?: boolean;
  n: { baseline: number; candidate: number };
  /** error_rate, conversion: candidate − baseline; latency: candidate p99 ÷ baseline p99; srm: p-value. */
  estimate: number | null;
  interval: { lower: number; upper: number } | null;
  threshold: number;
  reason: string;
}

const LATENCY_QUANTILE = 0.99;

/**
 * Runs every check on one window. `candidateWeight` is the candidate's share of the two arms
 * (0 < w < 1) under the current step. An SRM failure turns every comparison INCONCLUSIVE: if the
 * split is broken the arms are not comparable, so neither a pass nor a fail can be trusted.
 */
export function runChecks(
  baseline: ArmCounts,
  candidate: ArmCounts,
  candidateWeight: number,
  config: RolloutChecks,
): CheckResult[] {
  const srm = srmCheck(baseline, candidate, candidateWeight, config);
  const comparisons = [
    errorRateCheck(baseline, candidate, config),
    latencyCheck(baseline, candidate, config),
  ];
  if (srm.verdict === 'FAIL') {
    for (const c of comparisons) {
      c.verdict = 'INCONCLUSIVE';
      c.reason = `sample ratio mismatch (p = ${srm.estimate?.toExponential(2)}): ${c.reason}`;
    }
  }
  return [srm, ...comparisons];
}

/** Whatever the arms' sizes, FAIL only when the always-valid interval's lower bound clears the tolerance. */
export function errorRateCheck(
  baseline: ArmCounts,
  candidate: ArmCounts,
  config: RolloutChecks,
): CheckResult {
  const { tolerance, ceiling, alpha, critical, dryRun } = config.errorRate;
  const n = { baseline: baseline.requests, candidate: candidate.requests };
  const base = { check: 'error_rate' as const, critical, dryRun, n, threshold: tolerance };
  if (n.baseline === 0 || n.candidate === 0) {
    return {
      ...base,
      verdict: 'INCONCLUSIVE',
      estimate: null,
      interval: null,
      reason: 'an arm has no requests',
    };
  }
  const compare = (pseudo: number) =>
    compareConversions(
      { conversions: baseline.errors + pseudo, units: baseline.requests + 2 * pseudo },
      { conversions: candidate.errors + pseudo, units: candidate.requests + 2 * pseudo },
      { alpha },
    ).absolute;
  const { estimate, sequential: raw } = compare(0);
  // An arm with no errors, or nothing but errors, has zero variance; with both arms so the interval is
  // infinite and a candidate failing every request against a clean baseline would pass. Half a
  // pseudo-error and half a pseudo-success per arm (Jeffreys) give such an interval its width.
  const sequential = Number.isFinite(raw.lower) ? raw : compare(0.5).sequential;
  const interval = Number.isFinite(sequential.lower) ? sequential : null;
  const rate = candidate.errors / candidate.requests;
  if (ceiling !== undefined && rate > ceiling) {
    return {
      ...base,
      verdict: 'FAIL',
      estimate,
      interval,
      reason: `candidate error rate ${rate.toFixed(4)} is above the ceiling ${ceiling}`,
    };
  }
  if (sequential.lower > tolerance) {
    return {
      ...base,
      verdict: 'FAIL',
      estimate,
      interval,
      reason: `error rate difference is at least ${sequential.lower.toFixed(4)} (tolerance ${tolerance})`,
    };
  }
  return {
    ...base,
    verdict: 'PASS',
    estimate,
    interval,
    reason: 'no error-rate regression beyond tolerance',
  };
}

/**
 * p99 of each arm's merged histogram of uncached requests (no cache tier answered them), so a cold
 * candidate cache neither looks slow nor a warm one hides a slow model. The rule for enough tail: each
 * arm needs at least minTailSamples uncached requests above its p99, i.e. n ≥ minTailSamples ÷
 * (1 − 0.99) (1000 for 10); fewer and one slow request moves the p99 by whole buckets, so the check is
 * INCONCLUSIVE. Buckets are 2^(1/8) wide, so each p99 is known to ±9 %; the ratio to about ±19 %.
 */
export function latencyCheck(baseline: ArmCounts, candidate: ArmCounts, config: RolloutChecks): CheckResult {
  if (baseline.unsplitRequests > 0 || candidate.unsplitRequests > 0) {
    return latencyCheckWithoutSplit(baseline, candidate, config);
  }
  return compareP99(
    { n: histogramCount(baseline.uncachedLatencyBuckets), buckets: baseline.uncachedLatencyBuckets },
    { n: histogramCount(candidate.uncachedLatencyBuckets), buckets: candidate.uncachedLatencyBuckets },
    config,
    'uncached ',
  );
}

/**
 * The fallback while an arm's window holds rows from replicas without the uncached histogram (during
 * an upgrade): both arms are judged on the histogram of all requests, and only when cache hits are at
 * most maxCacheHitShare of each arm, since above it that histogram is not an uncached one.
 */
function latencyCheckWithoutSplit(
  baseline: ArmCounts,
  candidate: ArmCounts,
  config: RolloutChecks,
): CheckResult {
  const baseArm = { n: baseline.requests, buckets: baseline.latencyBuckets };
  const candidateArm = { n: candidate.requests, buckets: candidate.latencyBuckets };
  const result = compareP99(baseArm, candidateArm, config, '');
  if (result.verdict === 'INCONCLUSIVE') return result;
  const share = Math.max(baseline.cacheHits / baseline.requests, candidate.cacheHits / candidate.requests);
  if (share > config.latency.maxCacheHitShare) {
    return {
      ...result,
      verdict: 'INCONCLUSIVE',
      estimate: null,
      reason: `the window has rows from replicas without an uncached histogram and cache hits are ${(share * 100).toFixed(1)} % of an arm`,
    };
  }
  return {
    ...result,
    reason: `${result.reason}; all requests (rows from replicas without an uncached histogram)`,
  };
}

interface LatencyArm {
  n: number;
  buckets: readonly number[];
}

function compareP99(
  baseline: LatencyArm,
  candidate: LatencyArm,
  config: RolloutChecks,
  kind: string,
): CheckResult {
  const { maxRatio, minTailSamples, critical, dryRun } = config.latency;
  const n = { baseline: baseline.n, candidate: candidate.n };
  const base = { check: 'latency_p99' as const, critical, dryRun, n, threshold: maxRatio };
  const needed = Math.ceil(minTailSamples / (1 - LATENCY_QUANTILE) - 1e-9);
  if (n.baseline < needed || n.candidate < needed) {
    return {
      ...base,
      verdict: 'INCONCLUSIVE',
      estimate: null,
      interval: null,
      reason: `each arm needs ${needed} ${kind}requests for ${minTailSamples} samples above p99`,
    };
  }
  const b = histogramQuantile(baseline.buckets, LATENCY_QUANTILE);
  const c = histogramQuantile(candidate.buckets, LATENCY_QUANTILE);
  if (b === null || c === null || !(b > 0)) {
    return {
      ...base,
      verdict: 'ERROR',
      estimate: null,
      interval: null,
      reason: 'latency histogram is empty',
    };
  }
  const ratio = c / b;
  const verdict = ratio > maxRatio ? 'FAIL' : 'PASS';
  return {
    ...base,
    verdict,
    estimate: ratio,
    interval: null,
    reason: `${kind}p99 ${c.toFixed(2)} ms vs ${b.toFixed(2)} ms (ratio ${ratio.toFixed(3)}, allowed ${maxRatio})`,
  };
}

/** Requests per arm against the step's weight; counted in requests, the unit rollups have. */
export function srmCheck(
  baseline: ArmCounts,
  candidate: ArmCounts,
  candidateWeight: number,
  config: RolloutChecks,
): CheckResult {
  const n = { baseline: baseline.requests, candidate: candidate.requests };
  const threshold = config.srm.pThreshold;
  const base = { check: 'srm' as const, critical: false, dryRun: false, n, threshold, interval: null };
  if (n.baseline + n.candidate === 0) {
    return { ...base, verdict: 'INCONCLUSIVE', estimate: null, reason: 'no requests in the window' };
  }
  const result = sampleRatioMismatch(
    [n.baseline, n.candidate],
    [1 - candidateWeight, candidateWeight],
    threshold,
  );
  return {
    ...base,
    verdict: result.flagged ? 'FAIL' : 'PASS',
    estimate: result.pValue,
    reason: result.flagged
      ? `observed split ${n.candidate}/${n.baseline + n.candidate} does not match weight ${candidateWeight}`
      : 'split matches the weight',
  };
}
