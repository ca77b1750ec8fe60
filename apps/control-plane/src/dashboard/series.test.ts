import { LATENCY_BUCKET_COUNT, latencyBucket } from '@modelplane/stats';
import { describe, expect, it } from 'vitest';
import { minuteSeries } from './series.ts';

/** A histogram holding `count` requests of `ms` each. */
function histogram(ms: number, count: number): number[] {
  const buckets = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  buckets[latencyBucket(ms)] = count;
  return buckets;
}

const row = (minute: string, version: string, requests: number, errors: number, ms: number) => ({
  model: 'recs',
  version,
  minute: new Date(minute),
  requests,
  errors,
  latencyBuckets: histogram(ms, requests),
});

describe('minuteSeries', () => {
  it('merges replicas per minute, oldest first, with rate, error share and the merged p99', () => {
    const series = minuteSeries([
      row('2026-01-01T10:01:00Z', '1.0.0', 60, 0, 5),
      // Two replicas in the same minute: 120 + 60 requests, 6 errors; 60 slow ones hold the p99.
      row('2026-01-01T10:00:00Z', '1.0.0', 120, 6, 5),
      row('2026-01-01T10:00:00Z', '1.0.0', 60, 0, 400),
      row('2026-01-01T10:00:00Z', '2.0.0', 30, 3, 20),
    ]);
    const v1 = series.get('recs@1.0.0') ?? [];
    expect(v1.map((p) => p.minute)).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T10:01:00.000Z']);
    expect(v1[0]?.requestsPerSecond).toBe(3);
    expect(v1[0]?.errorRate).toBeCloseTo(6 / 180);
    expect(v1[0]?.p99Ms).toBeGreaterThanOrEqual(400);
    expect(v1[1]?.p99Ms).toBeLessThan(10);
    expect(series.get('recs@2.0.0')?.[0]?.errorRate).toBe(0.1);
  });
});
