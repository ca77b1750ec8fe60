import { DomainError } from '@modelplane/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tensor } from '../backends/types.ts';
import { fakeApp, ROW } from './test-support/fake-model.ts';

type Built = Awaited<ReturnType<typeof fakeApp>>;
let built: Built | undefined;
afterEach(async () => {
  await built?.app.close();
  built = undefined;
});

const post = (b: Built, payload: unknown = ROW, headers: Record<string, string> = {}) =>
  b.app.inject({ method: 'POST', url: '/v1/models/m:predict', payload: payload as object, headers });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the cache stage', () => {
  it('answers an identical request from memory, says so, and counts per version and tier', async () => {
    built = await fakeApp({ versions: [{ label: '1.0.0', factor: 3 }], routed: '1.0.0' });
    const first = await post(built);
    const second = await post(built, { instances: [[2.0]] });
    expect(first.headers['x-cache']).toBe('miss');
    expect(first.json()).toMatchObject({ predictions: [[6]], cached: false });
    expect(second.headers['x-cache']).toBe('hit-memory');
    expect(second.json()).toMatchObject({ predictions: [[6]], cached: true, modelVersion: 'm@1.0.0' });
    expect(built.calls.get('1.0.0')).toBe(1);
    expect(built.app.predictionCache.snapshot().versions['m@1.0.0']).toMatchObject({
      hitsMemory: 1,
      misses: 1,
      stores: 1,
    });
    // The OIP route shares the entry: the key is over the decoded tensors, not the protocol.
    const oip = await built.app.inject({
      method: 'POST',
      url: '/v2/models/m/infer',
      payload: { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [2] }] },
    });
    expect(oip.headers['x-cache']).toBe('hit-memory');
    expect(oip.json().outputs[0].data).toEqual([6]);
  });

  it('neither reads nor writes with Cache-Control: no-cache', async () => {
    built = await fakeApp({ versions: [{ label: '1.0.0', factor: 3 }], routed: '1.0.0' });
    for (let i = 0; i < 2; i++) {
      const res = await post(built, ROW, { 'cache-control': 'no-cache' });
      expect(res.headers['x-cache']).toBe('miss');
    }
    expect((await post(built)).headers['x-cache']).toBe('miss');
    expect(built.calls.get('1.0.0')).toBe(3);
    expect(built.app.predictionCache.snapshot().versions['m@1.0.0']?.bypassed).toBe(2);
  });

  it('caches nothing for a model whose cache is off', async () => {
    built = await fakeApp({
      versions: [{ label: '1.0.0', factor: 3 }],
      routed: '1.0.0',
      cache: { enabled: false, ttlSeconds: 60 },
    });
    await post(built);
    expect((await post(built)).headers['x-cache']).toBe('miss');
    expect(built.calls.get('1.0.0')).toBe(2);
  });

  it('keeps each version to its own entries: a pinned request never gets another version’s result', async () => {
    built = await fakeApp({
      versions: [
        { label: '1.0.0', factor: 3 },
        { label: '2.0.0', factor: 5 },
      ],
      routed: '1.0.0',
    });
    await post(built);
    const pinned = await post(built, ROW, { 'x-model-version': '2.0.0' });
    expect(pinned.json()).toMatchObject({ predictions: [[10]], modelVersion: 'm@2.0.0', cached: false });
    const again = await post(built, ROW, { 'x-model-version': '2.0.0' });
    expect(again.json()).toMatchObject({ predictions: [[10]], modelVersion: 'm@2.0.0', cached: true });
    expect((await post(built)).json()).toMatchObject({
      predictions: [[6]],
      modelVersion: 'm@1.0.0',
      cached: true,
    });
  });

  it('gives every follower a failed leader’s error, caches nothing, and recomputes next time', async () => {
    built = await fakeApp({
      versions: [
        {
          label: '1.0.0',
          factor: 3,
          behave: async (inputs, call) => {
            await sleep(100);
            if (call === 1) throw new DomainError('BAD_GATEWAY', 'upstream said no');
            return [{ ...(inputs[0] as Tensor), name: 'y' }];
          },
        },
      ],
      routed: '1.0.0',
    });
    const b = built;
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(b)));
    expect(responses.map((r) => r.statusCode)).toEqual(new Array(20).fill(502));
    expect(b.calls.get('1.0.0')).toBe(1);
    expect(b.app.predictionCache.snapshot()).toMatchObject({
      inFlight: 0,
      memory: { entries: 0 },
      versions: { 'm@1.0.0': { misses: 1, coalesced: 19, stores: 0 } },
    });
    const retry = await post(b);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['x-cache']).toBe('miss');
    expect(b.calls.get('1.0.0')).toBe(2);
  });

  it('lets a follower give up at its own deadline while the leader computes', async () => {
    built = await fakeApp({
      versions: [
        {
          label: '1.0.0',
          factor: 3,
          behave: async (inputs) => {
            await sleep(400);
            return [{ ...(inputs[0] as Tensor), name: 'y' }];
          },
        },
      ],
      routed: '1.0.0',
    });
    const leader = post(built);
    await sleep(20);
    const started = performance.now();
    const follower = await post(built, ROW, { 'x-request-timeout-ms': '100' });
    expect(follower.statusCode).toBe(504);
    expect(performance.now() - started).toBeLessThan(300);
    expect((await leader).statusCode).toBe(200);
  });

  it.each([
    [
      'non-finite outputs',
      async () => [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [Number.NaN] }],
      'skippedNonFinite',
    ],
    [
      'outputs over the size cap',
      async () => [{ name: 'y', datatype: 'FP32', shape: [1, 5000], data: new Array(5000).fill(0.5) }],
      'skippedTooLarge',
    ],
  ] as const)('never caches %s', async (_name, behave, counter) => {
    built = await fakeApp({
      versions: [{ label: '1.0.0', factor: 1, behave: behave as () => Promise<Tensor[]> }],
      routed: '1.0.0',
      cacheOptions: { maxEntryBytes: 4096 },
    });
    await post(built, { inputs: [[2]] });
    expect((await post(built, { inputs: [[2]] })).headers['x-cache']).toBe('miss');
    expect(built.calls.get('1.0.0')).toBe(2);
    expect(built.app.predictionCache.snapshot().versions['m@1.0.0']?.[counter]).toBe(2);
  });

  it('serves, counts and logs outputs that fail the output schema, and never caches them', async () => {
    built = await fakeApp({
      versions: [
        {
          label: '1.0.0',
          factor: -1,
          servingOptions: { validateOutput: true },
          outputSchema: { type: 'array', items: { type: 'number', minimum: 0 } },
        },
      ],
      routed: '1.0.0',
    });
    const res = await post(built);
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions).toEqual([[-2]]);
    expect((await post(built)).headers['x-cache']).toBe('miss');
    expect(built.app.validationStats.snapshot()['m@1.0.0']).toEqual({ inputRejected: 0, outputInvalid: 2 });
    expect(built.app.predictionCache.snapshot().versions['m@1.0.0']?.skippedInvalidOutput).toBe(2);
    // Valid outputs of the same version are cached as usual.
    await post(built, { instances: [[-2]] });
    expect((await post(built, { instances: [[-2]] })).headers['x-cache']).toBe('hit-memory');
  });

  it('never caches a fallback response', async () => {
    built = await fakeApp({
      versions: [
        { label: '1.0.0', factor: 3 },
        {
          label: '2.0.0',
          factor: 5,
          servingOptions: { fallbackToBaseline: true },
          behave: async () => {
            throw new DomainError('UNAVAILABLE', 'remote down');
          },
        },
      ],
      routed: '2.0.0',
      baseline: '1.0.0',
    });
    for (let i = 0; i < 2; i++) {
      const res = await post(built);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-cache']).toBe('miss');
      expect(res.json()).toMatchObject({ predictions: [[6]], modelVersion: 'm@1.0.0', cached: false });
    }
    expect(built.calls.get('1.0.0')).toBe(2);
    expect(built.app.predictionCache.snapshot().memory.entries).toBe(0);
  });
});
