import { describe, expect, it } from 'vitest';
import {
  bucketLowerMs,
  bucketUpperMs,
  emptyHistogram,
  histogramQuantile,
  LATENCY_BUCKET_COUNT,
  latencyBucket,
  mergeHistogram,
} from './log-histogram.ts';

/** A small deterministic PRNG (mulberry32) so the test data is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank quantile of raw values: the ⌈q·n⌉-th smallest. */
function rawQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

describe('log-scale latency histogram', () => {
  it('puts every latency inside its bucket bounds', () => {
    for (const ms of [0, 0.005, 0.01, 0.0100001, 0.5, 1, 1.0905, 2, 3.3, 250, 10_000, 1e9]) {
      const i = latencyBucket(ms);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(LATENCY_BUCKET_COUNT);
      expect(ms).toBeLessThanOrEqual(bucketUpperMs(i));
      if (i > 0) expect(ms).toBeGreaterThan(bucketLowerMs(i));
    }
  });

  it('has the documented bounds, 0.01·2^(i/8) ms, each one inside its own bucket', () => {
    for (let i = 0; i < LATENCY_BUCKET_COUNT - 1; i++) {
      const upper = 0.01 * 2 ** (i / 8);
      expect(bucketUpperMs(i)).toBe(upper);
      expect(latencyBucket(upper)).toBe(i);
      // The next representable double above the bound belongs to the next bucket.
      const above = upper + upper * Number.EPSILON;
      expect(latencyBucket(above)).toBe(i + 1);
    }
    expect(bucketUpperMs(LATENCY_BUCKET_COUNT - 1)).toBe(Number.POSITIVE_INFINITY);
  });

  it('merged rollups from several replicas give the raw percentiles, to the bucket resolution', () => {
    const random = prng(42);
    // Three replicas with different latency profiles, a millisecond-scale model with a slow tail.
    const replicas = [1.2, 2.5, 0.8].map((scale) =>
      Array.from({ length: 4000 }, () => {
        const base = scale * Math.exp(0.4 * (random() + random() + random() - 1.5));
        return random() < 0.02 ? base * 20 : base;
      }),
    );
    const merged = emptyHistogram();
    for (const latencies of replicas) {
      // Each replica writes one histogram per minute; merge them all.
      for (let minute = 0; minute < 4; minute++) {
        const rollup = emptyHistogram();
        for (const ms of latencies.slice(minute * 1000, (minute + 1) * 1000)) {
          rollup[latencyBucket(ms)] = (rollup[latencyBucket(ms)] ?? 0) + 1;
        }
        mergeHistogram(merged, rollup);
      }
    }
    const all = replicas.flat();
    const ratio = 2 ** (1 / 8);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = rawQuantile(all, q);
      const estimate = histogramQuantile(merged, q) as number;
      expect(latencyBucket(estimate)).toBe(latencyBucket(exact));
      expect(estimate / exact).toBeLessThan(ratio);
      expect(exact / estimate).toBeLessThan(ratio);
    }
    // Averaging each replica's own p99 is what this design avoids: it lands far from the fleet p99.
    const averaged = replicas.reduce((s, l) => s + rawQuantile(l, 0.99), 0) / replicas.length;
    expect(Math.abs(averaged / rawQuantile(all, 0.99) - 1)).toBeGreaterThan(0.09);
  });

  it('has no percentile when empty', () => {
    expect(histogramQuantile(emptyHistogram(), 0.99)).toBeNull();
  });
});
