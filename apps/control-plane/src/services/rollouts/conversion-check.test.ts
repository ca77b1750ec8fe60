import { RolloutConversionCheckSchema } from '@modelplane/schemas';
import { describe, expect, it } from 'vitest';
import { conversionCheck } from './conversion-check.ts';

const config = (tolerance: number) =>
  RolloutConversionCheckSchema.parse({ attributionWindowSeconds: 600, tolerance });

// Reference intervals computed apart from this code (Python, Waudby-Smith et al. eq. 9 with the
// mixing variance of eq. 161, alpha 0.05, tuning 5000) on the unpooled Wald variance.
describe('conversionCheck', () => {
  it.each([
    // baseline, candidate, tolerance, verdict, lower, upper
    [[1000, 10000], [300, 5000], 0.02, 'FAIL', -0.053945, -0.026055],
    [[1000, 10000], [1000, 10000], 0.02, 'PASS', -0.013267, 0.013267],
    [[1000, 10000], [480, 5000], 0.02, 'PASS', -0.019898, 0.011898],
    [[1000, 10000], [480, 5000], 0.015, 'INCONCLUSIVE', -0.019898, 0.011898],
    [[100, 1000], [95, 1000], 0.02, 'INCONCLUSIVE', -0.046439, 0.036439],
  ] as const)('baseline %j, candidate %j, tolerance %d: %s', (b, c, tolerance, verdict, lower, upper) => {
    const result = conversionCheck(
      { conversions: b[0], units: b[1] },
      { conversions: c[0], units: c[1] },
      config(tolerance),
    );
    expect(result.verdict).toBe(verdict);
    expect(result.interval?.lower).toBeCloseTo(lower, 5);
    expect(result.interval?.upper).toBeCloseTo(upper, 5);
    expect(result.threshold).toBe(-tolerance);
    expect(result.promotionGate).toBe(true);
  });

  it('is inconclusive, never failing, when an arm has no mature predictions or nothing converted', () => {
    const none = conversionCheck({ conversions: 0, units: 0 }, { conversions: 0, units: 50 }, config(0.01));
    expect(none.verdict).toBe('INCONCLUSIVE');
    expect(none.reason).toContain('600 s attribution window');
    const flat = conversionCheck(
      { conversions: 0, units: 500 },
      { conversions: 0, units: 500 },
      config(0.01),
    );
    expect(flat.verdict).toBe('INCONCLUSIVE');
    expect(flat.interval).toBeNull();
  });
});
