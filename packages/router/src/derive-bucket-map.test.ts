import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT } from './bucket.ts';
import type { BucketMap } from './bucket-map.ts';
import { bucketMapMatchesWeights, countBuckets } from './bucket-map.ts';
import { deriveBucketMap } from './derive-bucket-map.ts';
import { canaryWeights, type Weights } from './weights.ts';

const w = (...pairs: [string, number][]): Weights =>
  pairs.map(([versionId, weight]) => ({ versionId, weight }));
const owner = (map: BucketMap, b: number) => map.versions[map.buckets[b] ?? -1];

// Counted straight from the bytes so the checks do not lean on countBuckets.
function ownerCounts(map: BucketMap): Map<string, number> {
  const counts = new Map<string, number>();
  for (let b = 0; b < BUCKET_COUNT; b++) {
    const v = owner(map, b) ?? '?';
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

// Plain comparison: deep-equality matchers on 10000-byte arrays would dominate the run time.
function sameMap(a: BucketMap, b: BucketMap): boolean {
  return a.versions.join('\n') === b.versions.join('\n') && a.buckets.every((x, i) => x === b.buckets[i]);
}

/** Checks one derivation: exact counts, exactly TVD moves, and no losses for non-shrinking versions. */
function checkStep(previous: BucketMap | null, weights: Weights, next: BucketMap): void {
  const positive = weights.filter((e) => e.weight > 0);
  expect(next.versions).toEqual(positive.map((e) => e.versionId));
  expect(next.buckets.length).toBe(BUCKET_COUNT);
  const counts = ownerCounts(next);
  for (const e of positive) expect(counts.get(e.versionId)).toBe(e.weight);
  expect(bucketMapMatchesWeights(next, weights)).toBe(true);
  if (previous === null) return;

  const before = ownerCounts(previous);
  const after = new Map(positive.map((e) => [e.versionId, e.weight]));
  let tvd = 0;
  for (const v of new Set([...before.keys(), ...after.keys()])) {
    tvd += Math.abs((before.get(v) ?? 0) - (after.get(v) ?? 0));
  }
  tvd /= 2;
  let moved = 0;
  const losers = new Set<string>();
  for (let b = 0; b < BUCKET_COUNT; b++) {
    const was = owner(previous, b) ?? '?';
    if (was !== owner(next, b)) {
      moved++;
      losers.add(was);
    }
  }
  expect(moved).toBe(tvd);
  // A version that did not shrink never gives a bucket away.
  for (const v of losers) expect(after.get(v) ?? 0).toBeLessThan(before.get(v) ?? 0);
}

/** Exact basis points for the given raw shares (a test-side helper, independent of the router). */
function toBasisPoints(ids: string[], raw: number[]): Weights {
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = ids.map((versionId, i) => ({
    versionId,
    weight: Math.floor(((raw[i] ?? 0) * 10000) / total),
  }));
  const first = weights.find((_e, i) => (raw[i] ?? 0) > 0);
  if (first) first.weight += 10000 - weights.reduce((a, e) => a + e.weight, 0);
  return weights;
}

type Op =
  | { kind: 'set'; order: string[]; raw: number[] }
  | { kind: 'canary'; version: string; weight: number }
  | { kind: 'promote'; version: string };

const scenario = fc.integer({ min: 2, max: 6 }).chain((n) => {
  const ids = Array.from({ length: n }, (_, i) => `mv_${i}`);
  const set = fc.record({
    kind: fc.constant('set' as const),
    order: fc.shuffledSubarray(ids, { minLength: n, maxLength: n }),
    raw: fc.array(fc.nat({ max: 100 }), { minLength: n, maxLength: n }).filter((r) => r.some((x) => x > 0)),
  });
  const version = fc.constantFrom(...ids);
  const canary = fc.record({
    kind: fc.constant('canary' as const),
    version,
    weight: fc.oneof(fc.nat({ max: 10000 }), fc.constantFrom(0, 1, 100, 5000, 9999, 10000)),
  });
  const promote = fc.record({ kind: fc.constant('promote' as const), version });
  return fc.tuple(set, fc.array(fc.oneof(set, canary, promote), { minLength: 1, maxLength: 10 }));
});

function apply(current: Weights, op: Op): Weights | null {
  if (op.kind === 'set') return toBasisPoints(op.order, op.raw);
  const weight = op.kind === 'promote' ? 10000 : op.weight;
  const othersHaveTraffic = current.some((e) => e.versionId !== op.version && e.weight > 0);
  if (weight < 10000 && !othersHaveTraffic) {
    expect(() => canaryWeights(current, op.version, weight)).toThrow(RangeError);
    return null;
  }
  return canaryWeights(current, op.version, weight);
}

describe('deriveBucketMap', () => {
  it('gives each version exactly its weight from scratch, deterministically', () => {
    const weights = w(['a', 7000], ['zero', 0], ['b', 2000], ['c', 1000]);
    const map = deriveBucketMap(null, weights);
    checkStep(null, weights, map);
    expect(sameMap(deriveBucketMap(null, weights), map)).toBe(true);
  });

  it('keeps counts exact, moves exactly TVD buckets and never takes from a non-shrinking version', () => {
    fc.assert(
      fc.property(scenario, ([first, ops]) => {
        let weights = toBasisPoints(first.order, first.raw);
        let map = deriveBucketMap(null, weights);
        checkStep(null, weights, map);
        for (const op of ops) {
          const next = apply(weights, op);
          if (next === null) continue;
          const derived = deriveBucketMap(map, next);
          checkStep(map, next, derived);
          expect(sameMap(deriveBucketMap(map, next), derived)).toBe(true);
          weights = next;
          map = derived;
        }
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it('ramping a canary up only ever adds buckets to it', () => {
    const ramp = fc.uniqueArray(fc.integer({ min: 1, max: 10000 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(ramp, (steps) => {
        let weights = w(['stable', 8000], ['other', 2000]);
        let map = deriveBucketMap(null, weights);
        let canaryBuckets = new Set<number>();
        for (const weight of [...steps].sort((a, b) => a - b)) {
          weights = canaryWeights(weights, 'canary', weight);
          map = deriveBucketMap(map, weights);
          const now = new Set<number>();
          for (let b = 0; b < BUCKET_COUNT; b++) if (owner(map, b) === 'canary') now.add(b);
          expect(now.size).toBe(weight);
          expect([...canaryBuckets].filter((b) => !now.has(b))).toEqual([]);
          canaryBuckets = now;
        }
      }),
      { numRuns: 60 },
    );
  }, 30_000);

  it('moves nothing when the weights are unchanged, even if reordered', () => {
    const before = deriveBucketMap(null, w(['a', 6000], ['b', 4000]));
    const after = deriveBucketMap(before, w(['b', 4000], ['a', 6000]));
    expect(
      after.buckets.every((j, b) => after.versions[j] === before.versions[before.buckets[b] ?? -1]),
    ).toBe(true);
    expect(countBuckets(after)).toEqual(
      new Map([
        ['b', 4000],
        ['a', 6000],
      ]),
    );
  });

  it.each<[string, BucketMap | null, Weights, RegExp]>([
    ['invalid weights', null, w(['a', 9999]), /cannot derive a bucket map: weights must add up to 10000/],
    [
      'a malformed previous map',
      { versions: ['a'], buckets: new Uint8Array(10) },
      w(['a', 10000]),
      /previous bucket map is malformed: a bucket map has exactly 10000 buckets, got 10/,
    ],
  ])('throws RangeError on %s', (_name, previous, weights, message) => {
    expect(() => deriveBucketMap(previous, weights)).toThrow(RangeError);
    expect(() => deriveBucketMap(previous, weights)).toThrow(message);
  });
});
