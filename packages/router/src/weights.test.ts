import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canaryWeights,
  normalizeWeights,
  scaleProportionally,
  validateWeights,
  type Weights,
} from './weights.ts';

const w = (...pairs: [string, number][]): Weights =>
  pairs.map(([versionId, weight]) => ({ versionId, weight }));
const many = (n: number, weight: (i: number) => number): Weights =>
  Array.from({ length: n }, (_, i) => ({ versionId: `v${i}`, weight: weight(i) }));
const sum = (ws: Weights) => ws.reduce((a, e) => a + e.weight, 0);

describe('validateWeights', () => {
  it.each<[string, Weights]>([
    ['a single version at 100 %', w(['a', 10000])],
    ['a canary split', w(['a', 9000], ['b', 1000])],
    ['zero weights alongside', w(['a', 0], ['b', 10000], ['c', 0])],
    ['255 versions', many(255, (i) => (i === 0 ? 10000 - 254 * 39 : 39))],
  ])('accepts %s', (_name, weights) => {
    expect(validateWeights(weights)).toBeNull();
  });

  it.each<[string, unknown, RegExp]>([
    ['not a list', { a: 10000 }, /must be a list/],
    ['an empty list', [], /at least one version needs a weight above 0/],
    ['only zero weights', w(['a', 0], ['b', 0]), /at least one version needs a weight above 0/],
    ['a short sum', w(['a', 5000], ['b', 4999]), /must add up to 10000 basis points .* got 9999/],
    ['an over-full sum', w(['a', 9000], ['b', 2000]), /must add up to 10000 basis points .* got 11000/],
    [
      'a fractional weight',
      w(['a', 5000.5], ['b', 4999.5]),
      /weight of "a" must be a whole number .* got 5000.5/,
    ],
    ['NaN', w(['a', Number.NaN]), /weight of "a" must be a whole number .* got NaN/],
    ['a string weight', [{ versionId: 'a', weight: '10000' }], /weight of "a" must be a whole number/],
    ['a negative weight', w(['a', -1], ['b', 10001]), /weight of "a" must not be negative, got -1/],
    ['a duplicate id', w(['a', 5000], ['a', 5000]), /version "a" appears more than once/],
    ['an empty id', w(['', 10000]), /entry 0 needs a non-empty string versionId/],
    ['a missing id', [{ weight: 10000 }], /entry 0 needs a non-empty string versionId/],
    ['a null entry', [null], /entry 0 is not a \{ versionId, weight \} object/],
    ['256 versions', many(256, (i) => (i < 16 ? 40 : 39)), /at most 255 versions .* got 256/],
  ])('rejects %s', (_name, weights, message) => {
    expect(validateWeights(weights as Weights)).toMatch(message);
  });
});

describe('normalizeWeights', () => {
  it('drops zero weights and keeps the order', () => {
    expect(normalizeWeights(w(['c', 0], ['b', 6000], ['a', 0], ['d', 4000]))).toEqual(
      w(['b', 6000], ['d', 4000]),
    );
  });
});

describe('scaleProportionally', () => {
  it.each<[string, Weights, number, Weights]>([
    ['exact shares', w(['a', 1], ['b', 3]), 8, w(['a', 2], ['b', 6])],
    ['largest remainder wins', w(['a', 5], ['b', 3], ['c', 2]), 7, w(['a', 4], ['b', 2], ['c', 1])],
    [
      'ties go to the earlier entry',
      w(['a', 1], ['b', 1], ['c', 1]),
      10000,
      w(['a', 3334], ['b', 3333], ['c', 3333]),
    ],
    ['zeros stay zero', w(['a', 0], ['b', 7]), 3, w(['a', 0], ['b', 3])],
    ['all zero to 0', w(['a', 0]), 0, w(['a', 0])],
    ['down to 0', w(['a', 9000], ['b', 1000]), 0, w(['a', 0], ['b', 0])],
  ])('%s', (_name, input, total, expected) => {
    expect(scaleProportionally(input, total)).toEqual(expected);
  });

  it.each<[string, Weights, number, RegExp]>([
    ['a negative total', w(['a', 1]), -1, /total must be a whole number >= 0/],
    ['a fractional total', w(['a', 1]), 1.5, /total must be a whole number >= 0/],
    ['a negative weight', w(['a', -1], ['b', 2]), 10, /weight of "a" must be a whole number >= 0/],
    ['all zero to a non-zero total', w(['a', 0]), 5, /cannot scale weights that add up to 0 to a total of 5/],
  ])('throws RangeError on %s', (_name, input, total, message) => {
    expect(() => scaleProportionally(input, total)).toThrow(RangeError);
    expect(() => scaleProportionally(input, total)).toThrow(message);
  });

  it('sums to the total and stays within 1 of the exact share', () => {
    const input = fc
      .array(fc.nat({ max: 10000 }), { minLength: 1, maxLength: 8 })
      .filter((a) => a.some((x) => x > 0));
    fc.assert(
      fc.property(input, fc.nat({ max: 10000 }), (raw, total) => {
        const weights = raw.map((weight, i) => ({ versionId: `v${i}`, weight }));
        const scaled = scaleProportionally(weights, total);
        const rawSum = raw.reduce((a, b) => a + b, 0);
        expect(sum(scaled)).toBe(total);
        scaled.forEach((e, i) => {
          expect(e.versionId).toBe(`v${i}`);
          expect(Math.abs(e.weight - ((raw[i] ?? 0) * total) / rawSum)).toBeLessThan(1);
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('canaryWeights', () => {
  it.each<[string, Weights, string, number, Weights]>([
    ['a new canary is appended', w(['a', 10000]), 'b', 500, w(['a', 9500], ['b', 500])],
    [
      'others scale proportionally',
      w(['a', 6000], ['b', 4000]),
      'c',
      1000,
      w(['a', 5400], ['b', 3600], ['c', 1000]),
    ],
    [
      'an existing canary keeps its place',
      w(['a', 9000], ['b', 1000]),
      'b',
      2500,
      w(['a', 7500], ['b', 2500]),
    ],
    ['promote leaves one version', w(['a', 9000], ['b', 1000]), 'b', 10000, w(['b', 10000])],
    ['weight 0 drops the version', w(['a', 9000], ['b', 1000]), 'b', 0, w(['a', 10000])],
    ['promote on an empty split', [], 'a', 10000, w(['a', 10000])],
    ['zero-weight leftovers are dropped', w(['x', 0], ['a', 10000]), 'b', 100, w(['a', 9900], ['b', 100])],
    [
      'remainders break ties in order',
      w(['a', 5000], ['b', 5000]),
      'c',
      1,
      w(['a', 5000], ['b', 4999], ['c', 1]),
    ],
  ])('%s', (_name, current, version, weight, expected) => {
    expect(canaryWeights(current, version, weight)).toEqual(expected);
  });

  it.each<[string, Weights, string, number, RegExp]>([
    [
      'a weight above 10000',
      w(['a', 10000]),
      'b',
      10001,
      /whole number of basis points in 0..10000, got 10001/,
    ],
    ['a negative weight', w(['a', 10000]), 'b', -1, /in 0..10000, got -1/],
    ['a fractional weight', w(['a', 10000]), 'b', 0.5, /in 0..10000, got 0.5/],
    ['no other version', [], 'a', 9000, /no other version has traffic to take the remaining 1000/],
    ['only itself', w(['a', 10000]), 'a', 5000, /no other version has traffic/],
    ['others all at zero', w(['a', 10000], ['b', 0]), 'a', 5000, /no other version has traffic/],
    ['an empty id', w(['a', 10000]), '', 5000, /versionId must be a non-empty string/],
  ])('throws RangeError on %s', (_name, current, version, weight, message) => {
    expect(() => canaryWeights(current, version, weight)).toThrow(RangeError);
    expect(() => canaryWeights(current, version, weight)).toThrow(message);
  });

  it('always sums to 10000 and scales the others within 1 bp of exact', () => {
    const split = fc
      .array(fc.nat({ max: 10000 }), { minLength: 1, maxLength: 6 })
      .filter((a) => a.some((x) => x > 0));
    fc.assert(
      fc.property(split, fc.nat({ max: 6 }), fc.nat({ max: 9999 }), (raw, pick, weight) => {
        const current = raw.map((x, i) => ({ versionId: `v${i}`, weight: x }));
        const target = `v${pick}`;
        const others = current.filter((e) => e.versionId !== target);
        const othersSum = sum(others);
        if (othersSum === 0) return; // covered by the RangeError table
        const next = canaryWeights(current, target, weight);
        expect(sum(next)).toBe(10000);
        expect(validateWeights(next)).toBeNull();
        expect(next.find((e) => e.versionId === target)?.weight ?? 0).toBe(weight);
        for (const e of others) {
          const got = next.find((n) => n.versionId === e.versionId)?.weight ?? 0;
          expect(Math.abs(got - (e.weight * (10000 - weight)) / othersSum)).toBeLessThan(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});
