import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, bucketOf, newSalt, randomBucket } from './bucket.ts';
import {
  type BucketMap,
  bucketMapMatchesWeights,
  bucketMapMismatch,
  countBuckets,
  decodeBucketMap,
  encodeBucketMap,
  route,
  routeBucket,
} from './bucket-map.ts';
import { deriveBucketMap } from './derive-bucket-map.ts';
import type { Weights } from './weights.ts';

const weights: Weights = [
  { versionId: 'a', weight: 9000 },
  { versionId: 'b', weight: 1000 },
];
const good = deriveBucketMap(null, weights);
const withByte = (b: number, value: number) => {
  const bytes = good.buckets.slice();
  bytes[b] = value;
  return bytes;
};

describe('bucketMapMatchesWeights', () => {
  it('accepts a derived map, also against weights carrying zero entries', () => {
    expect(bucketMapMismatch(good, weights)).toBeNull();
    expect(bucketMapMatchesWeights(good, [...weights, { versionId: 'old', weight: 0 }])).toBe(true);
  });

  it.each<[string, BucketMap, Weights, RegExp]>([
    [
      'invalid weights',
      good,
      [
        { versionId: 'a', weight: 10000 },
        { versionId: 'a', weight: 0 },
      ],
      /invalid weights/,
    ],
    [
      'a short map',
      { versions: good.versions, buckets: good.buckets.subarray(1) },
      weights,
      /exactly 10000 buckets, got 9999/,
    ],
    [
      'an index out of range',
      { versions: good.versions, buckets: withByte(17, 2) },
      weights,
      /bucket 17 points at version index 2/,
    ],
    [
      'swapped version order',
      { versions: ['b', 'a'], buckets: good.buckets },
      weights,
      /do not match the weights order \[a, b\]/,
    ],
    [
      'an extra version',
      { versions: ['a', 'b', 'c'], buckets: good.buckets },
      weights,
      /do not match the weights order/,
    ],
    [
      'a count off by one',
      { versions: good.versions, buckets: withByte(0, 1) },
      weights,
      /"a" owns 8999 buckets but its weight is 9000/,
    ],
    ['no versions', { versions: [], buckets: good.buckets }, weights, /at least one version/],
  ])('rejects %s', (_name, map, w, message) => {
    expect(bucketMapMatchesWeights(map, w)).toBe(false);
    expect(bucketMapMismatch(map, w)).toMatch(message);
  });
});

describe('encodeBucketMap / decodeBucketMap', () => {
  it('round-trips through the stored bytes', () => {
    const bytes = encodeBucketMap(good);
    expect(bytes.length).toBe(BUCKET_COUNT);
    const decoded = decodeBucketMap(['a', 'b'], bytes);
    expect(decoded.versions).toEqual(good.versions);
    // every() rather than toEqual: deep equality on 10000-element typed arrays is very slow.
    expect(decoded.buckets.every((x, i) => x === good.buckets[i])).toBe(true);
    bytes[0] = 1; // the decoded map owns its own copy
    expect(decoded.buckets[0]).toBe(0);
  });

  it('accepts a Node Buffer view into a larger allocation', () => {
    const pool = Buffer.alloc(BUCKET_COUNT + 8, 1);
    const decoded = decodeBucketMap(['a', 'b'], pool.subarray(4, 4 + BUCKET_COUNT));
    expect(countBuckets(decoded)).toEqual(
      new Map([
        ['a', 0],
        ['b', 10000],
      ]),
    );
  });

  it.each<[string, readonly string[], Uint8Array, RegExp]>([
    ['too few bytes', ['a', 'b'], new Uint8Array(9999), /exactly 10000 buckets, got 9999/],
    ['too many bytes', ['a', 'b'], new Uint8Array(10001), /exactly 10000 buckets, got 10001/],
    [
      'an index past the versions',
      ['a', 'b'],
      withByte(9999, 2),
      /bucket 9999 points at version index 2, but there are only 2/,
    ],
    ['no versions', [], new Uint8Array(10000), /at least one version/],
    ['duplicate versions', ['a', 'a'], good.buckets, /duplicate/],
    [
      '256 versions',
      Array.from({ length: 256 }, (_, i) => `v${i}`),
      good.buckets,
      /at most 255 versions, got 256/,
    ],
  ])('decode rejects %s with a RangeError', (_name, versions, bytes, message) => {
    expect(() => decodeBucketMap(versions, bytes)).toThrow(RangeError);
    expect(() => decodeBucketMap(versions, bytes)).toThrow(message);
  });

  it('encode rejects a malformed map', () => {
    expect(() => encodeBucketMap({ versions: ['a'], buckets: new Uint8Array(3) })).toThrow(RangeError);
  });
});

describe('routing', () => {
  it('routes a key to the owner of its bucket', () => {
    const salt = '0011223344556677';
    for (const key of ['user-1', 'user-2', 'ключ', '🚀']) {
      expect(route(good, salt, key)).toBe(routeBucket(good, bucketOf(salt, key)));
    }
    expect(routeBucket(good, 0)).toBe('a');
    expect(routeBucket(good, 9999)).toBe('b');
  });

  it.each([-1, 10000, 1.5, Number.NaN])('throws RangeError for bucket %s', (bucket) => {
    expect(() => routeBucket(good, bucket)).toThrow(RangeError);
  });

  it('randomBucket stays in 0..9999 and newSalt is 16 hex characters', () => {
    const drawn = Array.from({ length: 10000 }, () => randomBucket());
    expect(drawn.filter((b) => !Number.isInteger(b) || b < 0 || b >= BUCKET_COUNT)).toEqual([]);
    const salts = new Set(Array.from({ length: 100 }, () => newSalt()));
    expect(salts.size).toBe(100);
    for (const s of salts) expect(s).toMatch(/^[0-9a-f]{16}$/);
  });
});
