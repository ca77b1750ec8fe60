import { type Executor, type VersionOutcomes, versionOutcomes } from '@modelplane/db';
import type { RolloutConversionCheck } from '@modelplane/schemas';
import { compareConversions } from '@modelplane/stats';
import type { CheckResult } from './checks.ts';

/** One arm's experiment units and how many of them converted. */
export interface ConversionArm {
  units: number;
  conversions: number;
}

/**
 * The conversion check on one window of mature predictions. Higher is better, so the sides are the
 * error-rate check's mirrored: FAIL only when the always-valid interval on candidate − baseline lies
 * wholly below −tolerance (harm shown, at any look); PASS when its lower bound is at or above
 * −tolerance (non-inferiority shown); INCONCLUSIVE in between. An INCONCLUSIVE conversion never
 * holds a step (conversions mature slowly); it only stops promotion, which then waits for approval.
 */
export function conversionCheck(
  baseline: ConversionArm,
  candidate: ConversionArm,
  config: RolloutConversionCheck,
): CheckResult {
  const { tolerance, alpha, tuning, critical, dryRun } = config;
  const n = { baseline: baseline.units, candidate: candidate.units };
  const base = {
    check: 'conversion' as const,
    critical,
    dryRun,
    promotionGate: true,
    n,
    threshold: -tolerance,
  };
  if (n.baseline === 0 || n.candidate === 0) {
    return {
      ...base,
      verdict: 'INCONCLUSIVE',
      estimate: null,
      interval: null,
      reason: `an arm has no predictions older than the ${config.attributionWindowSeconds} s attribution window`,
    };
  }
  const { estimate, sequential } = compareConversions(baseline, candidate, { alpha, tuning }).absolute;
  // No conversions (or all) on both arms: zero variance, an infinite interval, nothing shown either way.
  const interval = Number.isFinite(sequential.lower) ? sequential : null;
  const rates = `${rate(candidate)} vs ${rate(baseline)}`;
  if (sequential.upper < -tolerance) {
    return {
      ...base,
      verdict: 'FAIL',
      estimate,
      interval,
      reason: `candidate converts worse by at least ${(-sequential.upper).toFixed(4)} (${rates}; tolerance ${tolerance})`,
    };
  }
  if (sequential.lower >= -tolerance) {
    return {
      ...base,
      verdict: 'PASS',
      estimate,
      interval,
      reason: `non-inferior: at most ${Math.max(0, -sequential.lower).toFixed(4)} worse (${rates}; tolerance ${tolerance})`,
    };
  }
  return {
    ...base,
    verdict: 'INCONCLUSIVE',
    estimate,
    interval,
    reason: `non-inferiority not shown: interval lower bound ${formatBound(sequential.lower)} < −${tolerance} (${rates})`,
  };
}

function rate(arm: ConversionArm): string {
  return `${arm.conversions}/${arm.units}`;
}

function formatBound(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : '−∞';
}

/**
 * The window's mature predictions: made in [windowStart, windowEnd − attribution), each credited with
 * feedback received within the attribution window. A prediction younger than that could still convert,
 * and counting it as not converted would bias the candidate (whose traffic is the newer) downwards.
 * One query (the join `metrics.compare` uses) gives every arm.
 */
export async function conversionArms(
  db: Executor,
  model: string,
  versions: { baseline: string; candidate: string },
  window: { start: Date; end: Date },
  attributionWindowSeconds: number,
): Promise<{ baseline: ConversionArm; candidate: ConversionArm; matureBefore: Date }> {
  const matureBefore = new Date(window.end.getTime() - attributionWindowSeconds * 1000);
  const outcomes =
    matureBefore > window.start
      ? await versionOutcomes(db, model, {
          start: window.start,
          end: matureBefore,
          attributionSeconds: attributionWindowSeconds,
        })
      : [];
  const arm = (version: string): ConversionArm => {
    const row: VersionOutcomes | undefined = outcomes.find((o) => o.version === version);
    return { units: row?.units ?? 0, conversions: row?.conversions ?? 0 };
  };
  return { baseline: arm(versions.baseline), candidate: arm(versions.candidate), matureBefore };
}

/**
 * The conversion check of one tick, or none when the rollout has no conversion config. Like the
 * other comparisons it is INCONCLUSIVE while SRM fails: with a broken split the arms are not comparable.
 */
export async function evaluateConversion(
  db: Executor,
  model: string,
  versions: { baseline: string; candidate: string },
  window: { start: Date; end: Date },
  config: RolloutConversionCheck | undefined,
  others: readonly CheckResult[],
): Promise<CheckResult[]> {
  if (!config) return [];
  const arms = await conversionArms(db, model, versions, window, config.attributionWindowSeconds);
  const result = conversionCheck(arms.baseline, arms.candidate, config);
  const srm = others.find((c) => c.check === 'srm');
  if (srm?.verdict === 'FAIL') {
    result.verdict = 'INCONCLUSIVE';
    result.reason = `sample ratio mismatch (p = ${srm.estimate?.toExponential(2)}): ${result.reason}`;
  }
  return [result];
}
