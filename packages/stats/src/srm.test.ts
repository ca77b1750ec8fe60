import { describe, expect, it } from 'vitest';
import { sampleRatioMismatch } from './srm.ts';

describe('sample ratio mismatch', () => {
  it('flags a 51/49 split of 100k units on a 50/50 route', () => {
    // χ² = 2 · 1000² / 50000 = 40 on 1 df; p = 2.54e-10 (scipy.stats.chisquare([51000, 49000])).
    const result = sampleRatioMismatch([51_000, 49_000], [5000, 5000]);
    expect(result.chiSquare).toBeCloseTo(40, 9);
    expect(result.pValue).toBeCloseTo(2.5396285894708634e-10, 18);
    expect(result.flagged).toBe(true);
  });

  it('stays quiet on a fair split', () => {
    // χ² = 2 · 100² / 50000 = 0.4; p = 0.5271 (scipy.stats.chisquare([50100, 49900])).
    const result = sampleRatioMismatch([50_100, 49_900], [5000, 5000]);
    expect(result.pValue).toBeCloseTo(0.5270892568655381, 9);
    expect(result.flagged).toBe(false);
  });

  it('uses the configured weights: 90/10 observed as 9000/1000 is fine, as 8800/1200 is not', () => {
    expect(sampleRatioMismatch([9000, 1000], [9000, 1000]).pValue).toBe(1);
    // χ² = 200²/9000 + 200²/1000 = 44.44; p ≈ 2.6e-11.
    expect(sampleRatioMismatch([8800, 1200], [9000, 1000]).flagged).toBe(true);
  });

  it('flags units on an arm with no weight', () => {
    expect(sampleRatioMismatch([100, 3], [10000, 0]).flagged).toBe(true);
  });
});
