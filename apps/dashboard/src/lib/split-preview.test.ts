import { describe, expect, it } from 'vitest';
import { bucketsMoved, percentToBp } from './split-preview.ts';

const split = (...pairs: [string, number][]) => pairs.map(([version, weight]) => ({ version, weight }));

describe('bucketsMoved', () => {
  // Reference values: the total variation distance, ½ Σ |old − new| basis points, worked by hand.
  it.each([
    ['90/10 → 50/50', split(['a', 9000], ['b', 1000]), split(['a', 5000], ['b', 5000]), 4000],
    ['90/10 → 90/10', split(['a', 9000], ['b', 1000]), split(['a', 9000], ['b', 1000]), 0],
    ['100 → 80/20 (a new version)', split(['a', 10000]), split(['a', 8000], ['c', 2000]), 2000],
    ['50/50 → 100 on b', split(['a', 5000], ['b', 5000]), split(['b', 10000]), 5000],
    [
      'three-way 50/30/20 → 20/30/50',
      split(['a', 5000], ['b', 3000], ['c', 2000]),
      split(['a', 2000], ['b', 3000], ['c', 5000]),
      3000,
    ],
  ])('%s moves the minimum', (_name, current, next, expected) => {
    expect(bucketsMoved(current, next)).toBe(expected);
  });

  it('answers 0 for a split that does not add up (the editor shows the problem instead)', () => {
    expect(bucketsMoved(split(['a', 10000]), split(['a', 5000]))).toBe(0);
  });
});

describe('percentToBp', () => {
  it.each([
    ['50', 5000],
    ['12.5', 1250],
    ['0.01', 1],
    ['100', 10000],
    [' 7 ', 700],
  ])('reads %j as %i basis points', (text, bp) => {
    expect(percentToBp(text)).toBe(bp);
  });

  it.each(['', 'abc', '-5', '100.01', '1.234', '1e2', '101'])('refuses %j', (text) => {
    expect(percentToBp(text)).toBeNull();
  });
});
