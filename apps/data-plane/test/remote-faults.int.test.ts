import { startTfServingServer, type TfServingMode, type TfServingServer, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../src/pipeline/types.ts';
import { postJson, type ServingReplica, startServingReplica, tfServingModel } from './serving-stack.ts';
import { demo, featureSchema, registerDemo, type Stack, startStack } from './stack.ts';

// A TF-Serving-shaped backend that can be switched to misbehave; every count is taken there.

let stack: Stack;
let backend: TfServingServer;
const conversion = demo('conversion', '1.0.0');
// Named features: the remote versions share the baseline's input schema, so either can decode them.
const instances = [
  Object.fromEntries((conversion.featureOrder ?? []).map((f, i) => [f, [120, 10, 1, 30, 12, 1][i]])),
];
const NO_BREAKER = { failureThreshold: 1_000_000 };

beforeAll(async () => {
  stack = await startStack();
  // Two names for one model: the retry-budget test counts its calls apart from earlier tests' stragglers.
  backend = await startTfServingServer([
    await tfServingModel(conversion, 'conv-tf'),
    await tfServingModel(conversion, 'conv-budget'),
  ]);
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'conv' });
  await registerDemo(admin, conversion, '1.0.0', { model: 'conv' });
  for (const [label, fallbackToBaseline, remoteName] of [
    ['tf', false, 'conv-tf'],
    ['tf-fb', true, 'conv-tf'],
    ['budget', false, 'conv-budget'],
  ] as const) {
    await admin.versions.register.mutate({
      model: 'conv',
      version: label,
      backend: { kind: 'tfserving', url: backend.url, remoteName },
      servingOptions: { fallbackToBaseline },
      inputSchema: featureSchema(conversion),
    });
  }
  await admin.traffic.set.mutate({ model: 'conv', weights: [{ version: '1.0.0', weight: 10000 }] });
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await stack?.close();
});

async function withReplica(
  serving: Parameters<typeof startServingReplica>[1],
  run: (replica: ServingReplica, records: PredictionRecord[]) => Promise<void>,
): Promise<void> {
  const records: PredictionRecord[] = [];
  const replica = await startServingReplica(stack, serving, { onPrediction: (r) => records.push(r) });
  try {
    await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
    await run(replica, records);
  } finally {
    backend.mode = 'ok';
    await replica.close();
  }
}

function predict(replica: ServingReplica, label: string, headers: Record<string, string> = {}) {
  return postJson(`${replica.url}/v1/models/conv/versions/${label}:predict`, { instances }, headers);
}

describe('a hanging backend', () => {
  it('gives 504 at the deadline, and 1000 such requests leave no socket or handle behind', async () => {
    await withReplica({ remote: { breaker: NO_BREAKER } }, async (replica) => {
      expect((await predict(replica, 'tf')).status).toBe(200);
      backend.mode = 'hang';
      const first = await predict(replica, 'tf', { 'x-request-timeout-ms': '300' });
      expect(first.status).toBe(504);
      expect(first.body.error).toMatchObject({
        code: 'DEADLINE_EXCEEDED',
        message: 'inference exceeded the 300 ms deadline',
      });
      expect(first.ms).toBeGreaterThanOrEqual(300);
      expect(first.ms).toBeLessThan(1000);

      const { Agent, request } = await import('undici');
      const baseline = await settledResources();
      const sockets = backend.openSockets;
      const client = new Agent({ connections: 50, keepAliveTimeout: 50 });
      const send = () =>
        request(`${replica.url}/v1/models/conv/versions/tf:predict`, {
          method: 'POST',
          dispatcher: client,
          headers: { 'content-type': 'application/json', 'x-request-timeout-ms': '50' },
          body: JSON.stringify({ instances }),
        }).then(async (r) => {
          await r.body.dump();
          return r.statusCode;
        });
      const statuses: number[] = [];
      for (let round = 0; round < 20; round++) {
        statuses.push(...(await Promise.all(Array.from({ length: 50 }, send))));
      }
      await client.close();
      expect(statuses.filter((s) => s === 504)).toHaveLength(1000);
      await waitFor(async () => (await settledResources()) <= baseline, {
        timeoutMs: 10_000,
        message: 'active handles back to the baseline',
      });
      expect(backend.openSockets).toBeLessThanOrEqual(Math.max(sockets, 1));
      // Nothing is left holding an execution slot or waiting for one.
      expect(replica.plane.stats.admission()).toEqual([]);
    });
  });
});

/** Active libuv resources (sockets, timers, ...) once the loop has had a moment to settle. */
async function settledResources(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return process.getActiveResourcesInfo().length;
}

describe('a backend that always answers 503', () => {
  it('receives at most 1.2x the client calls: one jittered retry, within the budget', async () => {
    await withReplica({ remote: { breaker: NO_BREAKER, retryBackoffMs: 5 } }, async (replica) => {
      backend.mode = 'unavailable';
      backend.resetCounts();
      const clientCalls = 200;
      for (let i = 0; i < clientCalls / 10; i++) {
        const results = await Promise.all(Array.from({ length: 10 }, () => predict(replica, 'budget')));
        for (const res of results) {
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).not.toBeNull();
          expect(res.body.error.message).toBe(
            'the backend for conv@budget is unavailable: it answered HTTP 503',
          );
        }
      }
      const calls = backend.callsFor('conv-budget');
      expect(calls).toBeGreaterThan(clientCalls);
      expect(calls).toBeLessThanOrEqual(clientCalls * 1.2);
      expect(replica.plane.stats.counters.retriesDenied).toBeGreaterThan(0);
    });
  });

  it('opens the breaker after consecutive failures, fails fast naming the version, then probes and closes', async () => {
    await withReplica(
      { remote: { breaker: { failureThreshold: 5, openMs: 400 }, budget: { minRetries: 0 } } },
      async (replica) => {
        const transitions: string[] = [];
        replica.plane.stats.on('breaker', (t) => transitions.push(`${t.from}->${t.to}`));
        backend.mode = 'unavailable';
        backend.resetCounts();
        for (let i = 0; i < 5; i++) expect((await predict(replica, 'tf')).status).toBe(503);
        expect(backend.predictCalls).toBe(5);
        const fast = await predict(replica, 'tf');
        expect(fast.status).toBe(503);
        expect(fast.body.error.message).toBe(
          'the backend for conv@tf is unavailable: its circuit breaker is open after repeated failures',
        );
        expect(fast.ms).toBeLessThan(100);
        expect(backend.predictCalls).toBe(5);
        expect(replica.plane.stats.breakers()).toEqual([{ endpoint: backend.url, state: 'open' }]);

        backend.mode = 'ok';
        await new Promise((resolve) => setTimeout(resolve, 450));
        expect((await predict(replica, 'tf')).status).toBe(200);
        expect((await predict(replica, 'tf')).status).toBe(200);
        expect(backend.predictCalls).toBe(7);
        expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
      },
    );
  });
});

describe('unusable backend responses', () => {
  it.each<[TfServingMode, RegExp]>([
    ['garbage', /response body is not valid JSON/],
    ['huge', /exceeds the 1048576-byte limit/],
    ['infinite', /output 'probability'\[0\]\[0\]: expected a number, got number/],
    ['nan', /response body is not valid JSON/],
    ['short', /0 predictions for 1 instances/],
    ['error', /it answered HTTP 500/],
  ])('%s: 502 with a clear message, and the replica keeps serving', async (mode, message) => {
    await withReplica({ remote: { breaker: NO_BREAKER, maxResponseBytes: 1024 * 1024 } }, async (replica) => {
      backend.mode = mode;
      const res = await predict(replica, 'tf');
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('BAD_GATEWAY');
      expect(res.body.error.message).toMatch(/^the backend for conv@tf returned an unusable response: /);
      expect(res.body.error.message).toMatch(message);
      expect(res.headers.get('x-cache')).toBeNull();
      backend.mode = 'ok';
      expect((await predict(replica, 'tf')).status).toBe(200);
    });
  });
});

describe('fallback to the baseline', () => {
  it('serves a failing canary from the baseline, naming the served version and recording both', async () => {
    await withReplica({ remote: { breaker: NO_BREAKER } }, async (replica, records) => {
      backend.mode = 'unavailable';
      const res = await predict(replica, 'tf-fb');
      expect(res.status).toBe(200);
      expect(res.body.modelVersion).toBe('conv@1.0.0');
      expect(res.headers.get('x-model-version')).toBe('conv@1.0.0');
      expect(res.headers.get('x-cache')).toBe('miss');
      const direct = await predict(replica, '1.0.0');
      expect(res.body.predictions).toEqual(direct.body.predictions);
      expect(records.find((r) => r.requestId === res.headers.get('x-request-id'))).toMatchObject({
        assignedVersion: 'conv@tf-fb',
        servedVersion: 'conv@1.0.0',
        servedFrom: 'fallback',
      });
      // Without the option the failure stands.
      expect((await predict(replica, 'tf')).status).toBe(503);
    });
  });
});
