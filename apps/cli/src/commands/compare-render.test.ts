import { compareConversions } from '@modelplane/stats';
import { describe, expect, it } from 'vitest';
import { type CompareResult, renderCompare } from './compare-render.ts';

function result(lift: ReturnType<typeof compareConversions>, srmFlagged = false): CompareResult {
  const version = (name: string, baseline: boolean, conversions: number, units: number) => ({
    version: name,
    baseline,
    weight: 5000,
    requests: units * 2,
    errorRate: 0.001,
    cacheHitRate: 0.25,
    latencyMs: { p50: 1.2, p95: 3.4, p99: 7.9 },
    uncachedP99Ms: 12.34,
    units,
    conversion: { conversions, units, rate: conversions / units, interval: { lower: 0.4, upper: 0.5 } },
    value: null,
    vsBaseline: baseline ? null : { conversion: lift, value: null },
  });
  return {
    model: 'recs',
    window: '1h',
    revision: 4,
    baseline: '1.0.0',
    alpha: 0.05,
    sequentialTuning: 5000,
    versions: [version('1.0.0', true, 1396, 3000), version('2.0.0', false, 2422, 3461)],
    feedback: { matchedRequests: 6461, unmatched: 12 },
    srm: [
      {
        revision: 4,
        arms: [
          { version: '1.0.0', weight: 5000, units: 3000, expected: 3230.5 },
          { version: '2.0.0', weight: 5000, units: 3461, expected: 3230.5 },
        ],
        chiSquare: 32.9,
        pValue: srmFlagged ? 9.6e-9 : 0.4,
        flagged: srmFlagged,
        minArmUnits: 3000,
      },
    ],
  } as CompareResult;
}

describe('compare output', () => {
  it('states a significant lift in plain words with both intervals', () => {
    const lift = compareConversions({ conversions: 1396, units: 3000 }, { conversions: 2422, units: 3461 });
    const text = renderCompare(result(lift)).join('\n');
    expect(text).toContain('1.0.0 (baseline)');
    // The uncached p99 (what rollouts judge) beside the p99 of all requests.
    expect(text).toMatch(/P99 MS +P99 UNCACHED/);
    expect(text).toMatch(/7\.90 +12\.3 /);
    expect(text).toContain('2.0.0 vs 1.0.0, conversion rate: +50.4% relative');
    expect(text).toContain('significant: 2.0.0 is better, and this holds however often you look');
    // GrowthBook's reference interval for these counts: (0.40098, 0.60675).
    expect(text).toContain('always-valid 95% interval +40.1% to +60.7%');
    expect(text).toContain('12 feedback request ids matched no prediction');
  });

  it('says when a difference is not significant yet, and warns about a broken split', () => {
    const lift = compareConversions({ conversions: 120, units: 1000 }, { conversions: 150, units: 1000 });
    const text = renderCompare(result(lift, true)).join('\n');
    expect(text).toContain('not significant yet');
    expect(text).toContain('WARNING sample ratio mismatch on revision 4');
  });
});
