import { DomainError } from '@modelplane/schemas';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingBackends, instanceOf, post, reference, sharedCache } from './cache-support.ts';
import { demo, type Replica, registerDemo, type Stack, startStack } from './stack.ts';

// 1000 identical cold requests on one replica cost one inference, counted where it runs: at the
// remote Open Inference Protocol backend (another data plane serving recs@2.0.0 with ONNX), whose
// runner the test wraps with a counter and a delay that keeps the leader in flight.

const recs = demo('recs', '2.0.0');
let stack: Stack;
let backend: Replica;
let front: Replica;
let counted: ReturnType<typeof countingBackends>;
let failNext = false;

beforeAll(async () => {
  stack = await startStack();
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs' });
  await registerDemo(admin, recs);
  await admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '2.0.0', weight: 10000 }] });
  backend = await stack.startReplica({
    predictAuth: false,
    wrapBackends: (real) => {
      counted = countingBackends(real, async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        if (failNext) {
          failNext = false;
          // Not a 503: the remote call is not retried, so one failure is one remote inference.
          throw new DomainError('BAD_GATEWAY', 'the remote model is having a bad moment');
        }
      });
      return counted;
    },
  });
  await waitFor(async () => (await fetch(`${backend.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
  await admin.models.create.mutate({ name: 'remote', cache: { enabled: true, ttlSeconds: 300 } });
  await admin.versions.register.mutate({
    model: 'remote',
    version: 'oip',
    backend: { kind: 'oip', url: backend.url, remoteName: 'recs', remoteVersion: '2.0.0' },
  });
  await admin.traffic.set.mutate({ model: 'remote', weights: [{ version: 'oip', weight: 10000 }] });
  front = await stack.startReplica({ predictAuth: false, cache: sharedCache(stack.prefix) });
  await waitFor(async () => (await fetch(`${front.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

const remoteInferences = () => {
  const id = backend.routing.snapshot()?.models.get('recs')?.versionsByLabel.get('2.0.0')?.id ?? '';
  return counted.calls.get(id) ?? 0;
};
const fire = (n: number, row: number[]) =>
  Promise.all(
    Array.from({ length: n }, () => post(`${front.url}/v1/models/remote:predict`, { instances: [row] })),
  );

describe('coalescing identical misses', () => {
  it('runs one remote inference for 1000 simultaneous identical cold requests', async () => {
    const row = [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2];
    const before = remoteInferences();
    const responses = await fire(1000, row);
    expect(remoteInferences() - before).toBe(1);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const [expected] = await reference(recs, [row]);
    const scores = ((expected?.data ?? []) as number[]).map((v) => expect.closeTo(v, 5));
    for (const res of responses) expect(res.body.predictions[0].scores).toEqual(scores);
    const stats = front.app.predictionCache.snapshot();
    expect(stats.versions['remote@oip']).toMatchObject({ misses: 1, stores: 1 });
    const counters = stats.versions['remote@oip'];
    expect((counters?.coalesced ?? 0) + (counters?.hitsMemory ?? 0)).toBe(999);
    expect(counters?.coalesced).toBeGreaterThan(0);
    expect(stats.inFlight).toBe(0);
  });

  it('hands a failed leader’s error to every follower, caches nothing, and recomputes next time', async () => {
    const row = [3, 1, 0, 0, 0, 0.1, 0.8, 0.1];
    failNext = true;
    const before = remoteInferences();
    const responses = await fire(200, row);
    expect(remoteInferences() - before).toBe(1);
    const statuses = new Set(responses.map((r) => r.status));
    expect(statuses.size).toBe(1);
    expect([...statuses][0]).toBeGreaterThanOrEqual(500);
    const retry = await post(`${front.url}/v1/models/remote:predict`, { instances: [row] });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('x-cache')).toBe('miss');
    expect(remoteInferences() - before).toBe(2);
  });

  it('names the routed version in every cached answer', async () => {
    const row = instanceOf(recs, [900, 30, 12, 220, 4, 0.2, 0.2, 0.9]);
    await post(`${front.url}/v1/models/recs:predict`, { instances: [row] });
    const res = await post(`${front.url}/v1/models/recs:predict`, { instances: [row] });
    expect(res.body.modelVersion).toBe('recs@2.0.0');
  });
});
