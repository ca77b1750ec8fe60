import {
  findRevision,
  fleetRollups,
  listVersions,
  unmatchedFeedback,
  type VersionOutcomes,
  type VersionRollup,
  versionOutcomes,
} from '@modelplane/db';
import { type CompareInput, windowMs } from '@modelplane/schemas';
import {
  type Comparison,
  compareConversions,
  compareMeans,
  DEFAULT_SEQUENTIAL_TUNING,
  histogramQuantile,
  type Interval,
  meanInterval,
  summarize,
  wilsonInterval,
} from '@modelplane/stats';
import type { Deps } from '../../deps.ts';
import { requireModel } from '../registry.ts';
import { type RevisionSrm, revisionSrm } from './srm.ts';

const ALPHA = 0.05;
const DEFAULT_WINDOW = '1h';

/** One version's row in `metrics.compare`. */
export interface VersionComparison {
  version: string;
  baseline: boolean;
  /** Basis points in the active revision, or null when it carries no traffic now. */
  weight: number | null;
  requests: number;
  errorRate: number | null;
  cacheHitRate: number | null;
  latencyMs: { p50: number; p95: number; p99: number } | null;
  /**
   * p99 of the requests no cache tier answered (what rollouts judge); null without such requests or
   * while the window holds rollups from replicas that predate the uncached histogram.
   */
  uncachedP99Ms: number | null;
  units: number;
  conversion: { conversions: number; units: number; rate: number; interval: Interval } | null;
  value: { units: number; mean: number; interval: Interval } | null;
  /** Against the baseline version; null on the baseline itself. */
  vsBaseline: { conversion: Comparison | null; value: Comparison | null } | null;
}

/** `metrics.compare`: the fleet's per-version numbers over a window, with the experiment's statistics. */
export interface CompareResult {
  model: string;
  window: string;
  revision: number | null;
  baseline: string | null;
  alpha: number;
  sequentialTuning: number;
  versions: VersionComparison[];
  feedback: { matchedRequests: number; unmatched: number };
  srm: RevisionSrm[];
}

/**
 * Compares a model's versions over a window: requests, error and cache-hit rates and latency
 * percentiles from the merged per-minute rollups of every replica; conversion rate or mean value per
 * experiment unit from the prediction log joined with feedback; lifts against the baseline with
 * fixed-horizon and always-valid intervals; and the sample-ratio check per revision.
 */
export async function compareVersions(deps: Deps, input: CompareInput): Promise<CompareResult> {
  const { db } = deps;
  const model = await requireModel(db, input.model);
  const window = input.window ?? DEFAULT_WINDOW;
  const span = windowMs(window);
  const tuning = input.tuning ?? DEFAULT_SEQUENTIAL_TUNING;
  const versions = await listVersions(db, model.id);
  const active = model.active_revision ? await findRevision(db, model.id, model.active_revision) : undefined;
  const label = (id: string) => versions.find((v) => v.id === id)?.version ?? id;
  const baseline = active ? label(active.baseline_version_id) : null;
  const weights = new Map(active?.weights.map((w) => [label(w.versionId), w.weight]));

  const [rollups, outcomes, unmatched, srm] = await Promise.all([
    fleetRollups(db, model.name, span),
    versionOutcomes(db, model.name, span),
    unmatchedFeedback(db, model.name, span),
    revisionSrm(db, model, versions, { windowMs: span }),
  ]);
  const names = new Set<string>([
    ...weights.keys(),
    ...rollups.map((r) => r.version),
    ...outcomes.map((o) => o.version),
  ]);
  const hasConversions = outcomes.some((o) => o.unitsWithConversionFeedback > 0);
  const hasValues = outcomes.some((o) => o.unitsWithValueFeedback > 0);
  const base = outcomes.find((o) => o.version === baseline);
  const rows = [...names].sort(byBaselineThenLabel(baseline)).map((version) => {
    const rollup = rollups.find((r) => r.version === version);
    const outcome = outcomes.find((o) => o.version === version);
    return {
      version,
      baseline: version === baseline,
      weight: weights.get(version) ?? null,
      ...serving(rollup),
      units: outcome?.units ?? 0,
      conversion: hasConversions && outcome ? conversionOf(outcome) : null,
      value: hasValues && outcome ? meanValueOf(outcome) : null,
      vsBaseline:
        version === baseline || !base || !outcome
          ? null
          : {
              conversion: hasConversions
                ? compareConversions(
                    { conversions: base.conversions, units: base.units },
                    { conversions: outcome.conversions, units: outcome.units },
                    { alpha: ALPHA, tuning },
                  )
                : null,
              value: hasValues
                ? compareMeans(valueSummary(base), valueSummary(outcome), { alpha: ALPHA, tuning })
                : null,
            },
    };
  });
  return {
    model: model.name,
    window,
    revision: active?.revision ?? null,
    baseline,
    alpha: ALPHA,
    sequentialTuning: tuning,
    versions: rows,
    feedback: { matchedRequests: outcomes.reduce((sum, o) => sum + o.requestsWithFeedback, 0), unmatched },
    srm,
  };
}

function byBaselineThenLabel(baseline: string | null) {
  return (a: string, b: string) => (a === baseline ? -1 : b === baseline ? 1 : a.localeCompare(b));
}

/** Requests, error and cache-hit rates and latency percentiles of one version's merged rollup. */
export function serving(rollup: VersionRollup | undefined) {
  if (!rollup || rollup.requests === 0) {
    return { requests: 0, errorRate: null, cacheHitRate: null, latencyMs: null, uncachedP99Ms: null };
  }
  const quantile = (q: number) => histogramQuantile(dense(rollup.buckets), q) ?? 0;
  return {
    requests: rollup.requests,
    errorRate: rollup.errors / rollup.requests,
    cacheHitRate: rollup.cacheHits / rollup.requests,
    latencyMs: { p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99) },
    uncachedP99Ms: rollup.unsplitRequests > 0 ? null : histogramQuantile(dense(rollup.uncachedBuckets), 0.99),
  };
}

function dense(buckets: Map<number, number>): number[] {
  const counts: number[] = [];
  for (const [i, c] of buckets) counts[i] = c;
  return Array.from(counts, (c) => c ?? 0);
}

function conversionOf(outcome: VersionOutcomes) {
  const rate = outcome.units > 0 ? outcome.conversions / outcome.units : 0;
  return {
    conversions: outcome.conversions,
    units: outcome.units,
    rate,
    interval: wilsonInterval(outcome.conversions, outcome.units, ALPHA),
  };
}

function valueSummary(outcome: VersionOutcomes) {
  return summarize(outcome.units, outcome.valueSum, outcome.valueSumOfSquares);
}

function meanValueOf(outcome: VersionOutcomes) {
  const summary = valueSummary(outcome);
  return { units: outcome.units, mean: summary.mean, interval: meanInterval(summary, ALPHA) };
}
