import { windowRollup } from '@modelplane/db';
import { histogramCount, LATENCY_BUCKET_COUNT } from '@modelplane/stats';
import { testRedisUrl, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceOf, post } from './cache-support.ts';
import { demo, registerDemo, type Stack, startStack } from './stack.ts';
import { type ComposedReplica, startComposedReplica } from './telemetry-replica.ts';

// Rollouts judge latency on the requests no cache tier answered; the data plane writes that histogram
// beside the one of all requests. Two replicas share Redis, so every tier answers some requests: the
// memory tier (and the repeat-hit memo), Redis, and the model itself on misses and bypasses.

const recs = demo('recs', '1.0.0');
const rows = [
  [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2],
  [3, 1, 0, 0, 0, 0.1, 0.8, 0.1],
  [900, 30, 12, 220, 4, 0.2, 0.2, 0.9],
  [45, 3, 1, 19.99, 2, 0.3, 0.3, 0.3],
];
let stack: Stack;
let replicas: ComposedReplica[];
let token: string;

beforeAll(async () => {
  stack = await startStack();
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs', cache: { enabled: true, ttlSeconds: 300 } });
  await registerDemo(admin, recs);
  await admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '1.0.0', weight: 10000 }] });
  token = (await admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  const cache = { redis: { url: testRedisUrl(), keyPrefix: `${stack.prefix}cache:` } };
  // Flushed by hand (closing a replica writes every minute, the open one included).
  const telemetry = { rollupFlushIntervalMs: 600_000 };
  replicas = [
    await startComposedReplica(stack.databaseUrl, stack.prefix, 'unc-a', telemetry, {}, cache),
    await startComposedReplica(stack.databaseUrl, stack.prefix, 'unc-b', telemetry, {}, cache),
  ];
  for (const r of replicas) {
    await waitFor(async () => (await fetch(`${r.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
  }
}, 90_000);

afterAll(async () => {
  for (const r of replicas ?? []) await r.close();
  await stack?.close();
});

describe('rollups of a cached model', () => {
  it('carry an uncached latency histogram holding exactly the requests no cache tier answered', async () => {
    const [a, b] = replicas as [ComposedReplica, ComposedReplica];
    const seen = new Map<string, { hits: number; uncached: number; tiers: Set<string> }>();
    const send = async (replica: ComposedReplica, id: string, body: unknown, headers = {}) => {
      const response = await post(`${replica.url}/v1/models/recs:predict`, body, {
        authorization: `Bearer ${token}`,
        ...headers,
      });
      const tier = response.headers.get('x-cache') ?? `status ${response.status}`;
      const counts = seen.get(id) ?? { hits: 0, uncached: 0, tiers: new Set() };
      if (tier.startsWith('hit-')) counts.hits += 1;
      else counts.uncached += 1;
      counts.tiers.add(tier);
      seen.set(id, counts);
      return tier;
    };
    const body = (r: number, routingKey?: string) => ({
      ...(routingKey && { routingKey }),
      instances: [instanceOf(recs, rows[r] as number[])],
    });

    // Misses, then memory hits; a keyed repeat is answered by the repeat-hit memo.
    for (let r = 0; r < rows.length; r++) await send(a, 'unc-a', body(r));
    for (let i = 0; i < 5; i++) await send(a, 'unc-a', body(0, 'user-1'));
    for (let r = 0; r < rows.length; r++) await send(a, 'unc-a', body(r));
    // `no-cache` bypasses the cache: computed, so uncached. A bad input is not a cache hit either.
    await send(a, 'unc-a', body(1), { 'cache-control': 'no-cache' });
    await send(a, 'unc-a', { instances: [{ nonsense: 1 }] });
    // The other replica finds what the first stored in Redis, then in its own memory.
    await waitFor(async () => (await send(b, 'unc-b', body(2))) === 'hit-redis', {
      timeoutMs: 5000,
      message: 'a Redis hit on the second replica',
    });
    await send(b, 'unc-b', body(2));
    await send(b, 'unc-b', body(3), { 'cache-control': 'no-cache' });
    expect([...(seen.get('unc-a')?.tiers ?? [])].sort()).toEqual(['hit-memory', 'miss', 'status 400']);
    expect(seen.get('unc-b')?.tiers).toContain('hit-redis');
    expect(seen.get('unc-b')?.tiers).toContain('hit-memory');

    for (const r of replicas) await r.close();
    const stored = await stack.database.db
      .selectFrom('prediction_rollups')
      .select(['replica_id', 'requests', 'cache_hits', 'latency_buckets', 'uncached_latency_buckets'])
      .where('model', '=', 'recs')
      .execute();
    for (const replica of ['unc-a', 'unc-b']) {
      const mine = stored.filter((row) => row.replica_id === replica);
      const expected = seen.get(replica) ?? { hits: 0, uncached: 0 };
      const sum = (f: (row: (typeof mine)[number]) => number) => mine.reduce((s, row) => s + f(row), 0);
      expect(mine.every((row) => row.uncached_latency_buckets?.length === LATENCY_BUCKET_COUNT)).toBe(true);
      expect({
        requests: sum((row) => row.requests),
        cacheHits: sum((row) => row.cache_hits),
        uncached: sum((row) => histogramCount(row.uncached_latency_buckets ?? [])),
      }).toEqual({
        requests: expected.hits + expected.uncached,
        cacheHits: expected.hits,
        uncached: expected.uncached,
      });
      // Every uncached request is also in the histogram of all requests, in the same bucket.
      for (const row of mine) {
        row.uncached_latency_buckets?.forEach((count, i) => {
          expect(count).toBeLessThanOrEqual(row.latency_buckets[i] ?? 0);
        });
      }
    }

    // What the rollout controller reads over the window: the fleet's misses, no rows without a split.
    const minute = 60_000;
    const start = new Date(Math.floor(Date.now() / minute) * minute - 5 * minute);
    const end = new Date(start.getTime() + 10 * minute);
    const window = await windowRollup(stack.database.db, 'recs', '1.0.0', start, end, LATENCY_BUCKET_COUNT);
    const misses = [...seen.values()].reduce((s, c) => s + c.uncached, 0);
    expect(histogramCount(window.uncachedLatencyBuckets)).toBe(misses);
    expect(window.unsplitRequests).toBe(0);
    expect(window.requests - window.cacheHits).toBe(misses);
  }, 60_000);
});
