import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, bucketOf } from './bucket.ts';
import { routeBucket } from './bucket-map.ts';
import { deriveBucketMap } from './derive-bucket-map.ts';
import type { Weights } from './weights.ts';

// mulberry32: a tiny seeded PRNG so the keys (and so the test) are the same on every run.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const KEYS = 1_000_000;
const TOLERANCE = 0.003; // 0.3 percentage points; the binomial standard deviation is ~0.05 pp.

describe('traffic shares over 1,000,000 random keys', () => {
  const next = prng(20261130);
  const salt = 'a1b2c3d4e5f60718';
  const buckets = new Uint16Array(KEYS);
  for (let i = 0; i < KEYS; i++) {
    buckets[i] = bucketOf(salt, `user-${next().toString(36)}-${next() % 1000}`);
  }

  it.each<[string, Weights]>([
    [
      '70/20/10',
      [
        { versionId: 'stable', weight: 7000 },
        { versionId: 'canary', weight: 2000 },
        { versionId: 'shadow', weight: 1000 },
      ],
    ],
    [
      '50/50',
      [
        { versionId: 'a', weight: 5000 },
        { versionId: 'b', weight: 5000 },
      ],
    ],
  ])('%s split lands within 0.3 pp of each weight', (_name, weights) => {
    const map = deriveBucketMap(null, weights);
    const hits = new Map<string, number>();
    for (const b of buckets) {
      const v = routeBucket(map, b);
      hits.set(v, (hits.get(v) ?? 0) + 1);
    }
    for (const { versionId, weight } of weights) {
      const share = (hits.get(versionId) ?? 0) / KEYS;
      expect(Math.abs(share - weight / BUCKET_COUNT)).toBeLessThan(TOLERANCE);
    }
  });
});
