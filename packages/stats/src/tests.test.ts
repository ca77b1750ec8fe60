import { describe, expect, it } from 'vitest';
import { summarize, twoProportionZTest, welchTTest, wilsonInterval } from './tests.ts';

describe('two-proportion z-test', () => {
  it('matches a hand computation', () => {
    // A 120/1000, B 150/1000. Pooled p = 270/2000 = 0.135;
    // SE = sqrt(0.135 · 0.865 · (1/1000 + 1/1000)) = 0.0152823; z = 0.03 / 0.0152823 = 1.96305;
    // two-sided p = 2 · (1 − Φ(1.96305)) = 0.049640 (scipy: 0.04964038686536878).
    const { z, pValue } = twoProportionZTest({ successes: 120, n: 1000 }, { successes: 150, n: 1000 });
    expect(z).toBeCloseTo(1.963049807622355, 9);
    expect(pValue).toBeCloseTo(0.04964038686536878, 9);
  });

  it('reports no evidence for identical groups', () => {
    expect(twoProportionZTest({ successes: 50, n: 100 }, { successes: 50, n: 100 }).pValue).toBe(1);
  });
});

describe("Welch's t-test", () => {
  it("reproduces Wikipedia's first Welch example (t = 2.46, ν ≈ 25.0, p = 0.021)", () => {
    const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    const squares = (xs: number[]) => xs.reduce((s, x) => s + x * x, 0);
    const result = welchTTest(
      summarize(a.length, sum(a), squares(a)),
      summarize(b.length, sum(b), squares(b)),
    );
    // scipy.stats.ttest_ind(b, a, equal_var=False): t 2.455356398286006, df 24.988529290231416, p 0.021378001462866992.
    expect(result.t).toBeCloseTo(2.455356398286006, 8);
    expect(result.df).toBeCloseTo(24.988529290231416, 6);
    expect(result.pValue).toBeCloseTo(0.021378001462866992, 8);
  });
});

describe('Wilson score interval', () => {
  it("matches Newcombe (1998)'s worked example 81/263: 0.2553 to 0.3662", () => {
    const { lower, upper } = wilsonInterval(81, 263);
    expect(lower).toBeCloseTo(0.2553, 4);
    expect(upper).toBeCloseTo(0.3662, 4);
  });
});
