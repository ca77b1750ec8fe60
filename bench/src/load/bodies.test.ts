import { describe, expect, it } from 'vitest';
import { bodyMaker, recsInstance } from './bodies.ts';
import { quantile } from './load-spec.ts';

describe('request bodies', () => {
  it('distinct bodies never repeat across runs that start a million apart', () => {
    const seen = new Set<string>();
    for (const offset of [1_000_000, 2_000_000]) {
      const make = bodyMaker({ kind: 'distinct', offset });
      for (let n = 0; n < 20_000; n++) seen.add(make(n));
    }
    expect(seen.size).toBe(40_000);
  });

  it('recs instances stay inside the model input ranges', () => {
    for (const i of [0, 1, 3650, 3651, 441_771, 26_948_031, 1_300_000_000]) {
      const instance = recsInstance(i);
      expect(instance.days_since_signup).toBeLessThanOrEqual(3650);
      expect(instance.sessions_30d).toBeLessThanOrEqual(120);
      expect(instance.orders_90d).toBeLessThanOrEqual(60);
      expect(instance.cart_items).toBeLessThanOrEqual(50);
      expect(instance.avg_order_value).toBeLessThanOrEqual(2000);
    }
  });

  it('a pool repeats its bodies in turn', () => {
    const make = bodyMaker({ kind: 'pool', size: 3 });
    expect(make(4)).toBe(make(1));
    expect(make(0)).not.toBe(make(1));
  });
});

describe('quantile', () => {
  it('uses the nearest rank', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile(sorted, 0.999)).toBe(100);
  });
});
