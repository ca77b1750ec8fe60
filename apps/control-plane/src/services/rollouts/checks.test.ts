import { RolloutChecksSchema } from '@modelplane/schemas';
import { emptyHistogram, latencyBucket } from '@modelplane/stats';
import { describe, expect, it } from 'vitest';
import { type ArmCounts, errorRateCheck, latencyCheck, runChecks, srmCheck } from './checks.ts';

const defaults = RolloutChecksSchema.parse({});
const withErrorRate = (patch: object) =>
  RolloutChecksSchema.parse({ errorRate: { ...defaults.errorRate, ...patch } });

/** An arm whose latencies are `counts` requests at each of the given milliseconds. */
function arm(
  requests: number,
  errors: number,
  latencies: Array<[ms: number, count: number]> = [],
): ArmCounts {
  const buckets = emptyHistogram();
  for (const [ms, count] of latencies) buckets[latencyBucket(ms)] = (buckets[latencyBucket(ms)] ?? 0) + count;
  return { requests, errors, cacheHits: 0, latencyBuckets: buckets };
}

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

  it('is inconclusive when cache hits make the histogram not an uncached one', () => {
    const cached = { ...arm(1000, 0, [[1, 1000]]), cacheHits: 500 };
    expect(latencyCheck(arm(1000, 0, [[10, 1000]]), cached, defaults).verdict).toBe('INCONCLUSIVE');
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
