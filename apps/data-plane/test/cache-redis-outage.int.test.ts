import {
  type BlackholeProxy,
  type PrivateRedis,
  startBlackholeProxy,
  startRedisServer,
  waitFor,
} from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceOf, post, sharedCache } from './cache-support.ts';
import { demo, type Replica, registerDemo, type Stack, startStack } from './stack.ts';

// Redis is an optimisation: with it stopped or blackholed, predictions go on from the in-process
// tier and the backend, and the Redis tier comes back by itself. A private redis-server stands
// in for the cache node, so the shared one is never touched.

const recs = demo('recs', '2.0.0');
let stack: Stack;
let privateRedis: PrivateRedis;
let proxy: BlackholeProxy;
let a: Replica;
let b: Replica;
let holed: Replica;
let seq = 0;

beforeAll(async () => {
  stack = await startStack();
  privateRedis = await startRedisServer();
  proxy = await startBlackholeProxy(privateRedis.port);
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs', cache: { enabled: true, ttlSeconds: 300 } });
  await registerDemo(admin, recs);
  await admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '2.0.0', weight: 10000 }] });
  a = await stack.startReplica({ predictAuth: false, cache: sharedCache(stack.prefix, privateRedis.url) });
  b = await stack.startReplica({ predictAuth: false, cache: sharedCache(stack.prefix, privateRedis.url) });
  holed = await stack.startReplica({ predictAuth: false, cache: sharedCache(stack.prefix, proxy.url) });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await proxy?.close();
  await privateRedis?.stop();
});

/** A row no earlier request used, so it misses the in-process tier. */
const freshRow = () => {
  seq += 1;
  return { instances: [instanceOf(recs, [seq, 1, 1, 10, 1, 0.5, 0.25, 0.25])] };
};
const predict = (replica: Replica, body: unknown) => post(`${replica.url}/v1/models/recs:predict`, body);

async function sharedThroughRedis(): Promise<boolean> {
  const body = freshRow();
  if ((await predict(a, body)).status !== 200) return false;
  // The write is fire-and-forget: give it a moment, then the other replica must read it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return (await predict(b, body)).headers.get('x-cache') === 'hit-redis';
}

describe('Redis outages', () => {
  it('keeps predicting while Redis is down, and the tier recovers by itself', async () => {
    await waitFor(sharedThroughRedis, { timeoutMs: 5000, message: 'the Redis tier to work' });
    const warm = freshRow();
    await predict(a, warm);

    await privateRedis.stop();
    const during = await Promise.all(
      Array.from({ length: 40 }, (_, i) => predict(i % 2 === 0 ? a : b, i % 4 === 0 ? warm : freshRow())),
    );
    expect(during.map((r) => r.status)).toEqual(new Array(40).fill(200));
    expect(during.filter((r) => r.headers.get('x-cache') === 'hit-memory').length).toBeGreaterThan(0);
    expect(a.app.predictionCache.snapshot().redis.setsSkipped).toBeGreaterThan(0);

    await privateRedis.restart();
    await waitFor(sharedThroughRedis, { timeoutMs: 15_000, message: 'the Redis tier to come back' });
  });

  it('bounds the added latency by the GET timeout when Redis is blackholed, and by nothing once the breaker opens', async () => {
    // The first test restarted Redis: wait until this replica reads Redis again (its reconnect backoff
    // and breaker may still be running), or the GETs below would fail fast instead of timing out.
    await waitFor(
      async () => {
        const body = freshRow();
        if ((await predict(a, body)).status !== 200) return false;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return (await predict(holed, body)).headers.get('x-cache') === 'hit-redis';
      },
      { timeoutMs: 15_000, message: 'the blackholed replica to read Redis before the cut' },
    );
    const timed = async () => {
      const started = performance.now();
      const res = await predict(holed, freshRow());
      expect(res.status).toBe(200);
      return performance.now() - started;
    };
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
    const baseline: number[] = [];
    for (let i = 0; i < 15; i++) baseline.push(await timed());

    proxy.blackhole();
    const first: number[] = [];
    for (let i = 0; i < 5; i++) first.push(await timed());
    const stats = holed.app.predictionCache.snapshot().redis;
    expect(stats.getTimeouts).toBeGreaterThanOrEqual(5);
    expect(stats.state).toBe('open');
    // Each of these waited for one GET timeout (25 ms), never for Redis itself.
    expect(Math.max(...first)).toBeLessThan(Math.max(...baseline) + 25 + 100);
    const open: number[] = [];
    for (let i = 0; i < 15; i++) open.push(await timed());
    expect(median(open)).toBeLessThan(median(baseline) + 10);

    proxy.restore();
    await waitFor(
      async () => (await timed()) >= 0 && holed.app.predictionCache.snapshot().redis.state === 'closed',
      {
        timeoutMs: 20_000,
        intervalMs: 200,
        message: 'the breaker to close after a successful probe',
      },
    );
  }, 60_000);
});
