import { upsertRollups } from '@modelplane/db';
import { emptyHistogram, latencyBucket } from '@modelplane/stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedModel, startControlPlane } from './harness.ts';
import { exposure, seedOutcomes, seedStickyUnits } from './monitoring-fixtures.ts';

let cp: Harness;

async function fiftyFifty(model: string) {
  await seedModel(cp.admin, model, ['1', '2']);
  await cp.admin.traffic.set.mutate({
    model,
    weights: [
      { version: '1', weight: 5000 },
      { version: '2', weight: 5000 },
    ],
    baseline: '1',
  });
}

beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(async () => {
  await cp?.close();
});

describe('metrics.compare', () => {
  it('joins feedback to predictions in SQL, counts sticky units once, and reports what matched nothing', async () => {
    await fiftyFifty('conv');
    const db = cp.deps.db;
    await seedOutcomes(
      db,
      [
        exposure('conv', 'a1', '1', 'kA'),
        exposure('conv', 'a2', '1', 'kA'),
        exposure('conv', 'b1', '1', 'kB'),
        exposure('conv', 'c1', '1', 'kC'),
        exposure('conv', 'd1', '2', 'kD'),
        exposure('conv', 'e1', '2', 'kE'),
        exposure('conv', 'e2', '2', 'kE'),
        exposure('conv', 'r1', '2', null),
        // Pinned requests chose their version: not part of the experiment.
        exposure('conv', 'p1', '2', 'kP', { pinned: true, sticky: false }),
      ],
      [
        ['a1', true],
        ['b1', false],
        ['d1', true],
        ['e1', true],
        ['e2', false],
        ['r1', false],
        ['p1', true],
        ['ghost-1', true],
        ['ghost-2', true, 'conv'],
        ['ghost-3', true, 'some-other-model'],
        // Feedback scoped to another model never counts for this one's exposure.
        ['c1', true, 'some-other-model'],
      ],
    );
    const result = await cp.admin.metrics.compare.query({ model: 'conv', window: '1h' });
    expect(result.baseline).toBe('1');
    const [base, treatment] = result.versions;
    // Version 1: units kA (converted once of two requests), kB (no), kC (no feedback) → 1 of 3.
    expect(base).toMatchObject({
      version: '1',
      baseline: true,
      units: 3,
      conversion: { conversions: 1, units: 3 },
    });
    // Version 2: kD (yes), kE (yes, then no: any conversion counts), r1 (no) → 2 of 3.
    expect(treatment).toMatchObject({ version: '2', units: 3, conversion: { conversions: 2, units: 3 } });
    expect(result.feedback).toEqual({ matchedRequests: 6, unmatched: 2 });
    const lift = treatment?.vsBaseline?.conversion;
    // Hand computation: pooled p = 3/6; SE = sqrt(0.25 · (1/3 + 1/3)) = 0.408248; z = (1/3) / SE = 0.816497;
    // p = 2 · (1 − Φ(0.816497)) = 0.414216 (scipy.stats.norm.sf).
    expect(lift?.absolute.estimate).toBeCloseTo(1 / 3, 10);
    expect(lift?.relative?.estimate).toBeCloseTo(1, 10);
    expect(lift?.pValue).toBeCloseTo(0.4142161782425252, 8);
    expect(lift?.significant).toBe(false);
  });

  it("compares values with Welch's t-test, using each request's latest value", async () => {
    await fiftyFifty('rev');
    const rows = [10, 20, 30].map((_, i) => exposure('rev', `v1-${i}`, '1', null));
    rows.push(...[15, 25, 35, 45].map((_, i) => exposure('rev', `v2-${i}`, '2', null)));
    await seedOutcomes(cp.deps.db, rows, [
      ['v1-0', 99],
      ['v1-0', 10],
      ['v1-1', 20],
      ['v1-2', 30],
      ['v2-0', 15],
      ['v2-1', 25],
      ['v2-2', 35],
      ['v2-3', 45],
    ]);
    const result = await cp.admin.metrics.compare.query({ model: 'rev', window: '1h' });
    const [base, treatment] = result.versions;
    expect(base?.value?.mean).toBeCloseTo(20, 10);
    expect(treatment?.value?.mean).toBeCloseTo(30, 10);
    // scipy.stats.ttest_ind([15, 25, 35, 45], [10, 20, 30], equal_var=False): t 1.1547, p 0.300803, df 4.959.
    const lift = treatment?.vsBaseline?.value;
    expect(lift?.test).toBe('welch-t');
    expect(lift?.pValue).toBeCloseTo(0.30080270725517616, 8);
    expect(lift?.absolute.estimate).toBeCloseTo(10, 10);
    expect(result.versions.every((v) => v.conversion === null)).toBe(true);
  });

  it('merges latency rollups from several replicas into the raw percentiles, to the bucket resolution', async () => {
    await fiftyFifty('lat');
    const raw: number[] = [];
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    for (const [r, scale] of [0.6, 1.5, 4].entries()) {
      const latencies = Array.from({ length: 700 }, (_, i) => scale * (1 + ((i * 37) % 100) / 25) ** 2);
      raw.push(...latencies);
      const buckets = emptyHistogram();
      for (const ms of latencies) buckets[latencyBucket(ms)] = (buckets[latencyBucket(ms)] ?? 0) + 1;
      await upsertRollups(cp.deps.db, [
        {
          minute,
          model: 'lat',
          version: '1',
          replicaId: `replica-${r}`,
          requests: 700,
          errors: 7,
          clientErrors: 0,
          cacheHits: 70,
          latencyBuckets: buckets,
        },
      ]);
    }
    raw.sort((a, b) => a - b);
    const nearestRank = (q: number) => raw[Math.ceil(q * raw.length) - 1] as number;
    const result = await cp.admin.metrics.compare.query({ model: 'lat', window: '15m' });
    const version = result.versions.find((v) => v.version === '1');
    expect(version).toMatchObject({ requests: 2100, errorRate: 0.01, cacheHitRate: 0.1 });
    const ratio = 2 ** (1 / 8);
    for (const [key, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const) {
      const estimate = version?.latencyMs?.[key] as number;
      expect(estimate / nearestRank(q)).toBeLessThan(ratio);
      expect(nearestRank(q) / estimate).toBeLessThan(ratio);
    }
  });

  it('shows the uncached p99 beside the p99 of all requests, and none while old replicas’ rows are in the window', async () => {
    await fiftyFifty('uncp');
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    // 99 % of the requests are 1 ms cache hits; the misses take 40 ms.
    const row = (version: string, replicaId: string, split: boolean) => {
      const uncached = emptyHistogram();
      uncached[latencyBucket(40)] = 10;
      const all = [...uncached];
      all[latencyBucket(1)] = 990;
      return {
        minute,
        model: 'uncp',
        version,
        replicaId,
        requests: 1000,
        errors: 0,
        clientErrors: 0,
        cacheHits: 990,
        latencyBuckets: all,
        uncachedLatencyBuckets: split ? uncached : null,
      };
    };
    await upsertRollups(cp.deps.db, [row('1', 'a', true), row('1', 'b', true)]);
    await upsertRollups(cp.deps.db, [row('2', 'a', true), row('2', 'old', false)]);
    const result = await cp.admin.metrics.compare.query({ model: 'uncp', window: '15m' });
    const [one, two] = result.versions;
    const ratio = 2 ** (1 / 8);
    expect(one?.latencyMs?.p99).toBeLessThan(ratio);
    expect(one?.uncachedP99Ms).toBeGreaterThan(40 / ratio);
    expect(one?.uncachedP99Ms).toBeLessThan(40 * ratio);
    expect(two?.requests).toBe(2000);
    expect(two?.uncachedP99Ms).toBeNull();
  });

  it('flags a sample ratio mismatch on a skewed split and not on a fair one', async () => {
    await fiftyFifty('srmfair');
    await fiftyFifty('srmskew');
    await seedStickyUnits(cp.deps.db, 'srmfair', 5050, 4950);
    await seedStickyUnits(cp.deps.db, 'srmskew', 5300, 4700);
    const fair = await cp.admin.metrics.compare.query({ model: 'srmfair' });
    const skew = await cp.admin.metrics.compare.query({ model: 'srmskew' });
    // scipy.stats.chisquare: [5050, 4950] → p 0.3173; [5300, 4700] → p 1.97e-9.
    expect(fair.srm).toHaveLength(1);
    expect(fair.srm[0]?.pValue).toBeCloseTo(0.31731050786291115, 8);
    expect(fair.srm[0]?.flagged).toBe(false);
    expect(skew.srm[0]?.pValue).toBeCloseTo(1.9731752900753933e-9, 15);
    expect(skew.srm[0]?.flagged).toBe(true);
    expect(skew.srm[0]?.arms.map((a) => [a.version, a.units, a.expected])).toEqual([
      ['1', 5300, 5000],
      ['2', 4700, 5000],
    ]);
  });
});
