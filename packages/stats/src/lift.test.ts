import { describe, expect, it } from 'vitest';
import { compareConversions } from './lift.ts';
import { sequentialHalfWidth } from './sequential.ts';

describe('sequential (always-valid) intervals', () => {
  it("reproduces GrowthBook's published reference: A 1396/3000 vs B 2422/3461, relative, α 0.05, tuning 5000", () => {
    // gbstats' sequential test case: lift 0.50386, interval (0.40098, 0.60675).
    const result = compareConversions(
      { conversions: 1396, units: 3000 },
      { conversions: 2422, units: 3461 },
      { alpha: 0.05, tuning: 5000 },
    );
    const relative = result.relative;
    expect(relative).not.toBeNull();
    expect(relative?.estimate).toBeCloseTo(0.50386, 5);
    expect(relative?.sequential.lower).toBeCloseTo(0.40098, 5);
    expect(relative?.sequential.upper).toBeCloseTo(0.60675, 5);
    expect(result.significant).toBe(true);
  });

  it('is wider than the fixed-horizon interval, so peeking does not inflate false winners', () => {
    for (const n of [100, 1000, 5000, 50_000, 1_000_000]) {
      const variance = 0.25 / n;
      const fixed = 1.959963984540054 * Math.sqrt(variance);
      expect(sequentialHalfWidth(variance, n, 0.05, 5000)).toBeGreaterThan(fixed);
    }
  });
});

describe('fixed-horizon lift', () => {
  it('computes the absolute Wald interval by hand', () => {
    // pA = 0.12, pB = 0.15; SE = sqrt(0.12·0.88/1000 + 0.15·0.85/1000) = sqrt(0.0002331) = 0.0152676;
    // 95 %: 0.03 ± 1.959964 · 0.0152676 = (0.0000762, 0.0599238).
    const result = compareConversions({ conversions: 120, units: 1000 }, { conversions: 150, units: 1000 });
    expect(result.absolute.estimate).toBeCloseTo(0.03, 12);
    expect(result.absolute.fixed.lower).toBeCloseTo(0.0000762, 6);
    expect(result.absolute.fixed.upper).toBeCloseTo(0.0599238, 6);
    expect(result.pValue).toBeCloseTo(0.04964, 5);
    // Borderline at one look, nowhere near significant for a test read repeatedly.
    expect(result.significant).toBe(false);
  });
});
