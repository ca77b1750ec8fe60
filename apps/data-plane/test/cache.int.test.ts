import { waitFor } from '@modelplane/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/backends/types.ts';
import { inspector, instanceOf, keysUnder, post, reference, sharedCache } from './cache-support.ts';
import { demo, type Replica, registerDemo, type Stack, startStack } from './stack.ts';

// Two replicas sharing Redis, the real control plane, the real recs models; references come from
// the test's own onnxruntime session.

const recs1 = demo('recs', '1.0.0');
const recs2 = demo('recs', '2.0.0');
const rows = [
  [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2],
  [3, 1, 0, 0, 0, 0.1, 0.8, 0.1],
  [900, 30, 12, 220, 4, 0.2, 0.2, 0.9],
  [45, 3, 1, 19.99, 2, 0.3, 0.3, 0.3],
];
let stack: Stack;
let a: Replica;
let b: Replica;
let redis: Redis;
let cachePrefix: string;
const refs = new Map<string, Tensor[]>();

beforeAll(async () => {
  stack = await startStack();
  cachePrefix = `${stack.prefix}cache:`;
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs', cache: { enabled: true, ttlSeconds: 300 } });
  await registerDemo(admin, recs1);
  await registerDemo(admin, recs2);
  await admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '1.0.0', weight: 10000 }] });
  a = await stack.startReplica({ predictAuth: false, cache: sharedCache(stack.prefix) });
  b = await stack.startReplica({ predictAuth: false, cache: sharedCache(stack.prefix) });
  redis = inspector();
  refs.set('recs@1.0.0', await reference(recs1, rows));
  refs.set('recs@2.0.0', await reference(recs2, rows));
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

const predict = (replica: Replica, body: unknown, headers: Record<string, string> = {}) =>
  post(`${replica.url}/v1/models/recs:predict`, body, headers);
const rowBody = (r: number) => ({ instances: [instanceOf(recs1, rows[r] as number[])] });

/** The `top_items` a version must answer for row `r`, from the reference session. */
function topItems(ref: string, r: number): number[] {
  const top = refs.get(ref)?.find((t) => t.name === 'top_items') as Tensor;
  return (top.data as number[]).slice(r * 5, r * 5 + 5);
}

async function whenApplied(check: () => boolean, message: string): Promise<void> {
  await waitFor(check, { timeoutMs: 15_000, message });
}

describe('the two-tier cache with two replicas', () => {
  it('serves an identical request from memory, and from Redis on the other replica', async () => {
    const miss = await predict(a, rowBody(0));
    const memory = await predict(a, rowBody(0));
    const shared = await waitFor(
      async () => {
        const res = await predict(b, rowBody(0));
        return res.headers.get('x-cache') === 'hit-redis' ? res : null;
      },
      { timeoutMs: 5000, message: 'the entry to reach Redis' },
    );
    const local = await predict(b, rowBody(0));
    expect([miss, memory, shared, local].map((r) => r.headers.get('x-cache'))).toEqual([
      'miss',
      'hit-memory',
      'hit-redis',
      'hit-memory',
    ]);
    for (const res of [miss, memory, shared, local]) {
      expect(res.status).toBe(200);
      expect(res.body.modelVersion).toBe('recs@1.0.0');
      expect(res.body.predictions[0].top_items).toEqual(topItems('recs@1.0.0', 0));
    }
    expect(b.app.predictionCache.snapshot().versions['recs@1.0.0']).toMatchObject({
      hitsRedis: 1,
      hitsMemory: 1,
    });
  });

  it('uses one key whatever the key order, spacing and number spelling', async () => {
    const features = recs1.featureOrder ?? [];
    const row = rows[1] as number[];
    await predict(a, rowBody(1));
    const reversed = `{ "instances" : [ { ${[...features]
      .reverse()
      .map(
        (f) =>
          `"${f}": ${Number.isInteger(row[features.indexOf(f)]) ? `${row[features.indexOf(f)]}.0` : row[features.indexOf(f)]}`,
      )
      .join(' , ')} } ] }`;
    const res = await predict(a, reversed);
    expect(res.headers.get('x-cache')).toBe('hit-memory');
    const columnar = Object.fromEntries(features.map((f, i) => [f, [row[i]]]));
    const col = await predict(a, { inputs: columnar });
    expect(col.headers.get('x-cache')).toBe('hit-memory');
    expect(col.body.outputs.top_items).toEqual([topItems('recs@1.0.0', 1)]);
  });

  it('never answers a request routed to one version with another version’s entry', async () => {
    for (let r = 0; r < rows.length; r++) await predict(a, rowBody(r));
    await stack.admin.traffic.set.mutate({
      model: 'recs',
      weights: [
        { version: '1.0.0', weight: 5000 },
        { version: '2.0.0', weight: 5000 },
      ],
    });
    await whenApplied(
      () => a.routing.snapshot()?.models.get('recs')?.revision?.weights.length === 2,
      'the split',
    );
    const seen = new Set<string>();
    for (let i = 0; i < 80; i++) {
      const r = i % rows.length;
      const res = await predict(a, rowBody(r), { 'x-routing-key': `user-${i}` });
      expect(res.status).toBe(200);
      const served = res.body.modelVersion as string;
      expect(res.headers.get('x-model-version')).toBe(served);
      expect(res.body.predictions[0].top_items, `${served} row ${r}`).toEqual(topItems(served, r));
      if (res.body.cached) seen.add(served);
    }
    // Both versions answered from their own entries.
    expect([...seen].sort()).toEqual(['recs@1.0.0', 'recs@2.0.0']);
  });

  it('expires entries from both tiers after the TTL (Redis TTL at most TTL + 10 %)', async () => {
    await stack.admin.models.update.mutate({ name: 'recs', cache: { enabled: true, ttlSeconds: 1 } });
    await whenApplied(() => a.routing.snapshot()?.models.get('recs')?.cache.ttlSeconds === 1, 'the new TTL');
    const body = { instances: [instanceOf(recs1, [7, 7, 7, 7, 7, 0.5, 0.5, 0.5])] };
    const pin = { 'x-model-version': '1.0.0' };
    expect((await predict(a, body, pin)).headers.get('x-cache')).toBe('miss');
    expect((await predict(a, body, pin)).headers.get('x-cache')).toBe('hit-memory');
    const ttls = await waitFor(
      async () => {
        const keys = await keysUnder(redis, cachePrefix);
        const ttl = await Promise.all(keys.map((k) => redis.pttl(k)));
        const short = ttl.filter((t) => t > 0 && t <= 1100);
        return short.length > 0 ? short : null;
      },
      { timeoutMs: 3000, message: 'the short-TTL entry in Redis' },
    );
    for (const ttl of ttls) expect(ttl).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    // A miss, not a Redis hit: the entry left both tiers.
    expect((await predict(a, body, pin)).headers.get('x-cache')).toBe('miss');
    await stack.admin.models.update.mutate({ name: 'recs', cache: { enabled: true, ttlSeconds: 300 } });
    await whenApplied(
      () => b.routing.snapshot()?.models.get('recs')?.cache.ttlSeconds === 300,
      'the TTL back',
    );
  });

  it('purges a model on both replicas and in Redis', async () => {
    for (const replica of [a, b]) {
      for (let r = 0; r < rows.length; r++)
        await predict(replica, rowBody(r), { 'x-model-version': '1.0.0' });
    }
    const before = (await keysUnder(redis, `${cachePrefix}recs:`)).length;
    expect(before).toBeGreaterThan(0);
    expect(a.app.predictionCache.snapshot().memory.entries).toBeGreaterThan(0);
    const purged = await stack.admin.cache.purge.mutate({ model: 'recs' });
    // Without any request: each replica notices the new generation and empties both tiers.
    await whenApplied(
      () =>
        [a, b].every((r) => r.app.predictionCache.snapshot().memory.entries === 0) &&
        [a, b].every(
          (r) => r.routing.snapshot()?.models.get('recs')?.cacheGeneration === purged.cacheGeneration,
        ),
      'both replicas to empty their memory tier',
    );
    await waitFor(async () => (await keysUnder(redis, `${cachePrefix}recs:`)).length === 0, {
      timeoutMs: 5000,
      message: 'the purged keys to leave Redis',
    });
    // Different rows, so neither replica reads what the other just stored.
    for (const [r, replica] of [a, b].entries()) {
      const res = await predict(replica, rowBody(r), { 'x-model-version': '1.0.0' });
      expect(res.headers.get('x-cache')).toBe('miss');
      expect(res.body.predictions[0].top_items).toEqual(topItems('recs@1.0.0', r));
    }
  });

  it('purges one version and leaves the other version’s entries alone', async () => {
    for (const version of ['1.0.0', '2.0.0']) {
      await predict(a, rowBody(2), { 'x-model-version': version });
      expect((await predict(a, rowBody(2), { 'x-model-version': version })).headers.get('x-cache')).toBe(
        'hit-memory',
      );
    }
    const v2 = a.routing.snapshot()?.models.get('recs')?.versionsByLabel.get('2.0.0');
    const purged = await stack.admin.cache.purge.mutate({ model: 'recs', version: '2.0.0' });
    await whenApplied(
      () =>
        [a, b].every(
          (r) =>
            r.routing.snapshot()?.models.get('recs')?.versionsByLabel.get('2.0.0')?.cacheGeneration ===
            purged.versionCacheGeneration,
        ),
      'both replicas to apply the version purge',
    );
    await waitFor(
      async () => !(await keysUnder(redis, cachePrefix)).some((k) => k.includes(`:${v2?.id}:1:`)),
      {
        timeoutMs: 5000,
        message: 'the version’s old keys to leave Redis',
      },
    );
    expect((await predict(a, rowBody(2), { 'x-model-version': '2.0.0' })).headers.get('x-cache')).toBe(
      'miss',
    );
    expect((await predict(a, rowBody(2), { 'x-model-version': '1.0.0' })).headers.get('x-cache')).toBe(
      'hit-memory',
    );
  });
});
