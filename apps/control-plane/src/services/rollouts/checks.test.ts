import { RolloutChecksSchema } from '@modelplane/schemas';
import { emptyHistogram, latencyBucket } from '@modelplane/stats';
import { describe, expect, it } from 'vitest';
import { type ArmCounts, errorRateCheck, latencyCheck, runChecks, srmCheck } from './checks.ts';

const defaults = RolloutChecksSchema.parse({});
const withErrorRate = (patch: object) =>
  RolloutChecksSchema.parse({ errorRate: { ...defaults.errorRate, ...patch } });

type Latencies = Array<[ms: number, count: number]>;

function histogram(...parts: Latencies[]): number[] {
  const buckets = emptyHistogram();
  for (const [ms, count] of parts.flat())
    buckets[latencyBucket(ms)] = (buckets[latencyBucket(ms)] ?? 0) + count;
  return buckets;
}

/** An arm of uncached requests whose latencies are `count` requests at each of the given milliseconds. */
function arm(requests: number, errors: number, latencies: Latencies = []): ArmCounts {
  const buckets = histogram(latencies);
  return {
    requests,
    errors,
    cacheHits: 0,
    latencyBuckets: buckets,
    uncachedLatencyBuckets: buckets,
    unsplitRequests: 0,
  };
}

/** An arm whose `hits` were answered by a cache and whose `misses` were not. */
function cachedArm(hits: Latencies, misses: Latencies): ArmCounts {
  const count = (l: Latencies) => l.reduce((sum, [, c]) => sum + c, 0);
  return {
    requests: count(hits) + count(misses),
    errors: 0,
    cacheHits: count(hits),
    latencyBuckets: histogram(hits, misses),
    uncachedLatencyBuckets: histogram(misses),
    unsplitRequests: 0,
  };
}

/** The same arm as read while every row came from replicas that predate the uncached histogram. */
const unsplit = (a: ArmCounts): ArmCounts => ({
  ...a,
  uncachedLatencyBuckets: emptyHistogram(),
  unsplitRequests: a.requests,
});

describe('error-rate check', () => {
  // Reference bounds: the mixture boundary of Waudby-Smith et al. (eq. 9, ρ from eq. 161, tuning 5000,
  // alpha 0.05) on the unpooled variance, evaluated separately in Python (see docs/rollouts.md).
  const cases = [
    { name: '1 % vs 3 %', b: [10000, 100], c: [2000, 60], tol: 0.005, lower: 0.0078743, verdict: 'FAIL' },
    { name: '1 % vs 1.5 %', b: [10000, 100], c: [2000, 30], tol: 0.005, lower: -0.003903, verdict: 'PASS' },
    {
      name: 'small arms, 1 % vs 3 %',
      b: [1000, 10],
      c: [100, 3],
      tol: 0.005,
      lower: -0.0375625,
      verdict: 'PASS',
    },
    {
      name: '1 % vs 2 %, tolerance 0.5 pt',
      b: [10000, 100],
      c: [10000, 200],
      tol: 0.005,
      lower: 0.004629,
      verdict: 'PASS',
    },
    {
      name: '1 % vs 2 %, tolerance 0.4 pt',
      b: [10000, 100],
      c: [10000, 200],
      tol: 0.004,
      lower: 0.004629,
      verdict: 'FAIL',
    },
  ] as const;
  it.each(cases)('$name → $verdict', ({ b, c, tol, lower, verdict }) => {
    const result = errorRateCheck(arm(b[0], b[1]), arm(c[0], c[1]), withErrorRate({ tolerance: tol }));
    expect(result.interval?.lower).toBeCloseTo(lower, 5);
    expect(result.verdict).toBe(verdict);
    expect(result.n).toEqual({ baseline: b[0], candidate: c[0] });
  });

  it('fails on the absolute ceiling even when the baseline is as bad', () => {
    const result = errorRateCheck(arm(1000, 100), arm(1000, 100), withErrorRate({ ceiling: 0.05 }));
    expect(result.verdict).toBe('FAIL');
    expect(result.reason).toContain('ceiling');
  });

  it('fails a candidate that errors on every request against an error-free baseline', () => {
    // Both arms have zero variance here: without the pseudo-counts the interval is infinite.
    const result = errorRateCheck(arm(1000, 0), arm(100, 100), defaults);
    expect(result.verdict).toBe('FAIL');
    expect(result.interval?.lower).toBeGreaterThan(0.5);
    expect(errorRateCheck(arm(100, 100), arm(1000, 0), defaults).verdict).toBe('PASS');
  });

  it('passes two error-free arms and is inconclusive with an empty arm', () => {
    expect(errorRateCheck(arm(500, 0), arm(50, 0), defaults).verdict).toBe('PASS');
    expect(errorRateCheck(arm(500, 0), arm(0, 0), defaults).verdict).toBe('INCONCLUSIVE');
  });
});

describe('latency check', () => {
  it('is inconclusive below 10 samples above p99 (999 requests) and evaluates at 1000', () => {
    const slow = arm(999, 0, [[10, 999]]);
    expect(latencyCheck(slow, slow, defaults).verdict).toBe('INCONCLUSIVE');
    const enough = arm(1000, 0, [[10, 1000]]);
    expect(latencyCheck(enough, enough, defaults).verdict).toBe('PASS');
  });

  it('reads p99 by nearest rank: 10 slow of 1000 is still fast, 11 slow is the p99', () => {
    const baseline = arm(1000, 0, [[10, 1000]]);
    expect(
      latencyCheck(
        baseline,
        arm(1000, 0, [
          [10, 990],
          [100, 10],
        ]),
        defaults,
      ).verdict,
    ).toBe('PASS');
    const result = latencyCheck(
      baseline,
      arm(1000, 0, [
        [10, 989],
        [100, 11],
      ]),
      defaults,
    );
    expect(result.verdict).toBe('FAIL');
    // True ratio 10; each p99 is a bucket midpoint, within one bucket width (2^(1/8)) of it.
    expect(result.estimate).toBeGreaterThan(10 / 2 ** (1 / 8));
    expect(result.estimate).toBeLessThan(10 * 2 ** (1 / 8));
  });

  it('judges a candidate on its misses: fast cache hits do not hide slow computations', () => {
    const baseline = arm(1000, 0, [[10, 1000]]);
    // 99 % of the candidate's requests are 1 ms hits: the p99 of all its requests is 1 ms.
    const candidate = cachedArm([[1, 99_000]], [[30, 1000]]);
    const result = latencyCheck(baseline, candidate, defaults);
    expect(result.verdict).toBe('FAIL');
    expect(result.n).toEqual({ baseline: 1000, candidate: 1000 });
    expect(result.estimate).toBeGreaterThan(3 / 2 ** (1 / 8));
    expect(result.estimate).toBeLessThan(3 * 2 ** (1 / 8));
    expect(result.reason).toContain('uncached p99');
  });

  it('does not count a warm baseline cache against a cold candidate', () => {
    // The baseline answers 90 % from its cache in 1 ms; the candidate's cache is empty. Same model speed.
    const baseline = cachedArm([[1, 9000]], [[10, 1000]]);
    const candidate = arm(1000, 0, [[10, 1000]]);
    const result = latencyCheck(baseline, candidate, defaults);
    expect(result.verdict).toBe('PASS');
    expect(result.estimate).toBe(1);
  });

  it('counts only uncached requests toward the tail rule', () => {
    const baseline = arm(1000, 0, [[10, 1000]]);
    const candidate = cachedArm([[1, 5000]], [[10, 999]]);
    const result = latencyCheck(baseline, candidate, defaults);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.reason).toBe('each arm needs 1000 uncached requests for 10 samples above p99');
  });

  it('falls back to all requests while rows without the uncached histogram are in the window', () => {
    const baseline = arm(1000, 0, [[10, 1000]]);
    // Rows from old replicas in one arm send both arms to the all-requests histograms.
    const slow = latencyCheck(baseline, unsplit(arm(1000, 0, [[30, 1000]])), defaults);
    expect(slow.verdict).toBe('FAIL');
    expect(slow.reason).toContain('rows from replicas without an uncached histogram');
    // There, cache hits above maxCacheHitShare (1 %) in either arm make it inconclusive.
    const cached = unsplit(cachedArm([[1, 20]], [[10, 980]]));
    const result = latencyCheck(baseline, cached, defaults);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.reason).toContain('cache hits are 2.0 % of an arm');
    const fewHits = unsplit(cachedArm([[1, 10]], [[10, 990]]));
    expect(latencyCheck(baseline, fewHits, defaults).verdict).toBe('PASS');
  });
});

describe('SRM', () => {
  it('passes an exact split and fails 10 % observed against 5 % configured (χ² = 52.6)', () => {
    expect(srmCheck(arm(950, 0), arm(50, 0), 0.05, defaults).verdict).toBe('PASS');
    const bad = srmCheck(arm(900, 0), arm(100, 0), 0.05, defaults);
    expect(bad.verdict).toBe('FAIL');
    expect(bad.estimate).toBeCloseTo(4.02e-13, 14);
  });

  it('turns a failing comparison INCONCLUSIVE', () => {
    const checks = runChecks(arm(900, 0), arm(100, 50), 0.05, defaults);
    expect(checks.map((c) => [c.check, c.verdict])).toEqual([
      ['srm', 'FAIL'],
      ['error_rate', 'INCONCLUSIVE'],
      ['latency_p99', 'INCONCLUSIVE'],
    ]);
  });
});
