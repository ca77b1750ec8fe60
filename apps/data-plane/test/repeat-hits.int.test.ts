import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/backends/types.ts';
import { instanceOf, post, reference } from './cache-support.ts';
import { demo, type Replica, registerDemo, type Stack, startStack } from './stack.ts';

// Byte-identical repeats of a cached request are answered from a memo of the earlier answer
// (src/cache/hit-memo.ts). What a client must never notice: a different answer than the full path
// would give, a version the routing no longer assigns, or an entry that a purge removed.

const recs1 = demo('recs', '1.0.0');
const recs2 = demo('recs', '2.0.0');
const row = [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2];
let stack: Stack;
let replica: Replica;
const top = new Map<string, number[]>();

beforeAll(async () => {
  stack = await startStack();
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs', cache: { enabled: true, ttlSeconds: 300 } });
  await registerDemo(admin, recs1);
  await registerDemo(admin, recs2);
  await admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '1.0.0', weight: 10000 }] });
  replica = await stack.startReplica({ predictAuth: false });
  for (const entry of [recs1, recs2]) {
    const outputs = await reference(entry, [row]);
    const items = outputs.find((t) => t.name === 'top_items') as Tensor;
    top.set(`recs@${entry.version}`, items.data as number[]);
  }
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const url = () => `${replica.url}/v1/models/recs:predict`;
const keyedBody = (key: string) => JSON.stringify({ routingKey: key, instances: [instanceOf(recs1, row)] });

async function repeat(body: string, times: number, headers: Record<string, string> = {}) {
  const responses = [];
  for (let i = 0; i < times; i++) responses.push(await post(url(), body, headers));
  return responses;
}

async function untilServing(version: string): Promise<void> {
  await waitFor(
    async () =>
      (await post(url(), keyedBody('probe'), { 'cache-control': 'no-cache' })).body.modelVersion === version,
    { timeoutMs: 10_000, message: `the replica to serve ${version}` },
  );
}

describe('repeated identical requests', () => {
  it('answer with the same outputs as the full path, each with its own request id', async () => {
    const responses = await repeat(keyedBody('user-1'), 5);
    expect(responses.map((r) => r.headers.get('x-cache'))).toEqual([
      'miss',
      'hit-memory',
      'hit-memory',
      'hit-memory',
      'hit-memory',
    ]);
    const [first, ...rest] = responses;
    for (const res of rest) {
      expect(res.status).toBe(200);
      expect(res.body.predictions).toEqual(first?.body.predictions);
      expect(res.body).toMatchObject({ modelVersion: 'recs@1.0.0', cached: true });
      expect(res.headers.get('x-model-version')).toBe('recs@1.0.0');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expect(first?.body.predictions[0].top_items).toEqual(top.get('recs@1.0.0'));
    const ids = responses.map((r) => r.body.requestId);
    expect(new Set(ids).size).toBe(5);
    const own = await post(url(), keyedBody('user-1'), { 'x-request-id': 'caller-id-7' });
    expect(own.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(own.body.requestId).not.toBe(ids[0]);
    expect(own.headers.get('x-request-id')).toBe(own.body.requestId);
    expect(own.headers.get('x-client-request-id')).toBe('caller-id-7');
  });

  it('follow a traffic change at once: the same bytes are answered by the newly assigned version', async () => {
    const body = keyedBody('user-2');
    await repeat(body, 3);
    await stack.admin.traffic.promote.mutate({ model: 'recs', version: '2.0.0' });
    await untilServing('recs@2.0.0');
    const after = await repeat(body, 3);
    for (const res of after) {
      expect(res.body.modelVersion).toBe('recs@2.0.0');
      expect(res.body.predictions[0].top_items).toEqual(top.get('recs@2.0.0'));
    }
    expect(after[0]?.headers.get('x-cache')).toBe('miss');
  });

  it('miss after a purge', async () => {
    const body = keyedBody('user-3');
    const before = await repeat(body, 3);
    expect(before[2]?.headers.get('x-cache')).toBe('hit-memory');
    await stack.admin.cache.purge.mutate({ model: 'recs' });
    await waitFor(async () => (await post(url(), body)).headers.get('x-cache') === 'miss', {
      timeoutMs: 10_000,
      message: 'the purge to reach the replica',
    });
  });

  it('are still refused in another charset, and other bytes are still parsed and checked', async () => {
    const body = keyedBody('user-charset');
    await repeat(body, 2);
    const latin1 = await post(url(), body, { 'content-type': 'application/json; charset=latin1' });
    expect(latin1.status).toBe(415);
    expect(latin1.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const broken = await post(url(), `${body.slice(0, -1)},`);
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'request body is not valid JSON',
    });
    const deep = await post(
      url(),
      JSON.stringify({
        routingKey: 'user-charset',
        instances: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
      }),
    );
    expect(deep.status).toBe(400);
    expect(deep.body.error.code).toBe('INVALID_INPUT');
  });

  it('bypass the memo with Cache-Control: no-cache', async () => {
    const body = keyedBody('user-4');
    await repeat(body, 3);
    const bypassed = await post(url(), body, { 'cache-control': 'no-cache' });
    expect(bypassed.headers.get('x-cache')).toBe('miss');
    expect(bypassed.body.cached).toBe(false);
  });

  it('on /v2 too: the same outputs, the caller id echoed, the server id otherwise', async () => {
    const v2 = `${replica.url}/v2/models/recs/infer`;
    const fresh = [121, ...row.slice(1)];
    const tensor = { name: 'features', shape: [1, 8], datatype: 'FP32', data: fresh };
    const withId = JSON.stringify({ id: 'call-9', inputs: [tensor], outputs: [{ name: 'top_items' }] });
    const withoutId = JSON.stringify({ inputs: [tensor] });
    const headers = { 'x-routing-key': 'user-5' };
    for (const body of [withId, withoutId]) {
      const responses = [];
      for (let i = 0; i < 3; i++) responses.push(await post(v2, body, headers));
      // The cache is keyed by tensors, not bytes: the second body's first answer is a cache hit already.
      const first = body === withId ? 'miss' : 'hit-memory';
      expect(responses.map((r) => r.headers.get('x-cache'))).toEqual([first, 'hit-memory', 'hit-memory']);
      const [head, ...rest] = responses;
      const version = head?.body.model_version;
      const v1 = await post(url(), { instances: [instanceOf(recs1, fresh)] }, headers);
      const items = head?.body.outputs.find((o: { name: string }) => o.name === 'top_items')?.data;
      expect(v1.body.modelVersion).toBe(`recs@${version}`);
      expect(items).toEqual(v1.body.predictions[0].top_items);
      for (const res of rest) {
        expect(res.status).toBe(200);
        expect(res.body.outputs).toEqual(head?.body.outputs);
        expect(res.body).toMatchObject({ model_name: 'recs', model_version: version });
        expect(res.headers.get('x-model-version')).toBe(`recs@${version}`);
      }
      const ids = responses.map((r) => r.body.id);
      if (body === withId) expect(ids).toEqual(['call-9', 'call-9', 'call-9']);
      else expect(ids).toEqual(responses.map((r) => r.headers.get('x-request-id')));
    }
    // The same bytes on /v1 are another protocol's request, never answered from the /v2 memo.
    const crossed = await post(url(), withoutId, headers);
    expect(crossed.status).toBe(400);
  });

  it('without a routing key still draw a bucket each time, so a split still splits', async () => {
    await stack.admin.traffic.set.mutate({
      model: 'recs',
      weights: [
        { version: '1.0.0', weight: 5000 },
        { version: '2.0.0', weight: 5000 },
      ],
    });
    await waitFor(
      async () => {
        const versions = new Set<string>();
        for (let i = 0; i < 10; i++)
          versions.add((await post(url(), keyedBody(`probe-${i}`))).body.modelVersion);
        return versions.size === 2;
      },
      { timeoutMs: 10_000, message: 'the 50/50 split to reach the replica' },
    );
    const unkeyed = JSON.stringify({ instances: [instanceOf(recs1, row)] });
    const responses = await repeat(unkeyed, 40);
    const served = new Set(responses.map((r) => r.body.modelVersion));
    // Each of 40 draws is a fair coin: both versions appear except with probability 2^-39.
    expect(served).toEqual(new Set(['recs@1.0.0', 'recs@2.0.0']));
    for (const res of responses) {
      expect(res.body.predictions[0].top_items).toEqual(top.get(res.body.modelVersion));
    }
  });
});
