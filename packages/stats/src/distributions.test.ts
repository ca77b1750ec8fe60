import { describe, expect, it } from 'vitest';
import {
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  normalSurvival,
  studentTCdf,
  studentTQuantile,
  studentTTwoSided,
} from './distributions.ts';

// Reference values from statistical tables, cross-checked with scipy.stats 1.17
// (norm.cdf / norm.ppf / norm.sf, t.cdf / t.ppf / t.sf, chi2.sf): never from this code.
describe('distributions against published values', () => {
  it.each([
    ['Φ(1.96)', () => normalCdf(1.96), 0.9750021048517795],
    ['Φ(0)', () => normalCdf(0), 0.5],
    ['P(Z > 6), far tail', () => normalSurvival(6), 9.865876450376946e-10],
    ['Φ⁻¹(0.975)', () => normalQuantile(0.975), 1.959963984540054],
    ['Φ⁻¹(1e-10)', () => normalQuantile(1e-10), -6.361340902404056],
    ['t cdf(2.0, df 5)', () => studentTCdf(2.0, 5), 0.9490302605850708],
    ['t quantile(0.975, df 10), the table value 2.228', () => studentTQuantile(0.975, 10), 2.228138851986274],
    ['t quantile(0.975, df 24.99)', () => studentTQuantile(0.975, 24.99), 2.0595803423687764],
    ['two-sided t tail(1.5, df 7.3)', () => studentTTwoSided(1.5, 7.3), 0.1755630928030861],
    ['χ²(1) tail at 3.841… is 0.05-ish: at 4', () => chiSquareSurvival(4, 1), 0.04550026389635857],
    ['χ²(3) tail at 7.8147, the table 5 % point', () => chiSquareSurvival(7.8147, 3), 0.050000625284760056],
    ['χ²(4) tail at 12', () => chiSquareSurvival(12, 4), 0.01735126523666451],
    ['χ²(1) tail at 40, far tail', () => chiSquareSurvival(40, 1), 2.5396285894708634e-10],
  ])('%s', (_name, compute, expected) => {
    const value = compute();
    expect(Math.abs(value - expected) / Math.abs(expected || 1)).toBeLessThan(1e-8);
  });
});
