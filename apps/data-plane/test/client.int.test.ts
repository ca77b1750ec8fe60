import { createDataPlaneClient, type DataPlaneClient, DataPlaneError } from '@modelplane/client';
import { generateRecsData, rowToInstance } from '@modelplane/demo-models';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, type Replica, registerDemo, type Stack, startStack } from './stack.ts';

let stack: Stack;
let replica: Replica;
let token: string;
let client: DataPlaneClient;

const recs = demo('recs', '1.0.0');
const order = recs.featureOrder ?? [];
const rows = generateRecsData({ seed: 21, rows: 3 }).rows;
const instances = rows.map((row) => rowToInstance(order, row));

beforeAll(async () => {
  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'recs' });
  await registerDemo(stack.admin, recs);
  await registerDemo(stack.admin, demo('recs', '2.0.0'));
  await stack.admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '1.0.0', weight: 10000 }] });
  await stack.admin.models.create.mutate({ name: 'idle' });
  token = (await stack.admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await stack.startReplica();
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
  client = createDataPlaneClient({ url: replica.url, token, timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await stack?.close();
});

async function failure(promise: Promise<unknown>): Promise<DataPlaneError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataPlaneError);
  return error as DataPlaneError;
}

describe('the data-plane client against a listening replica', () => {
  it('predicts in row and columnar form, sticky or pinned', async () => {
    const row = await client.predict('recs', { instances, routingKey: 'user-1' });
    expect(row).toMatchObject({ modelVersion: 'recs@1.0.0', cached: false, requestId: expect.any(String) });
    expect(row.predictions).toHaveLength(3);
    const inputs = Object.fromEntries(order.map((f, j) => [f, rows.map((r) => r[j])]));
    const columnar = await client.predict('recs', { inputs, version: '2.0.0', requestId: 'client-req-1' });
    // The server mints the request id feedback joins on; the caller's own id is only logged alongside.
    expect(columnar).toMatchObject({ modelVersion: 'recs@2.0.0', requestId: expect.any(String) });
    expect(columnar.requestId).not.toBe('client-req-1');
    expect(columnar.requestId).not.toBe(row.requestId);
    expect((columnar.outputs as { top_items: number[][] }).top_items).toHaveLength(3);
  });

  it('infers over OIP, pinned by version', async () => {
    const response = await client.infer(
      'recs',
      {
        id: 'oip-1',
        inputs: [{ name: 'features', shape: [3, 8], datatype: 'FP32', data: rows.map((r) => Array.from(r)) }],
        outputs: [{ name: 'top_items' }],
      },
      { version: '2.0.0' },
    );
    expect(response).toMatchObject({ model_name: 'recs', model_version: '2.0.0', id: 'oip-1' });
    expect(response.outputs).toEqual([
      { name: 'top_items', datatype: 'INT64', shape: [3, 5], data: expect.any(Array) },
    ]);
  });

  it('surfaces both error shapes as a typed DataPlaneError', async () => {
    const missing = await failure(client.predict('nope', { instances }));
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'model "nope" not found' });
    expect(missing.requestId).toEqual(expect.any(String));
    const oip = await failure(
      client.infer('nope', { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] }),
    );
    expect(oip).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'model "nope" not found' });
    const anonymous = createDataPlaneClient({ url: replica.url });
    try {
      expect(await failure(anonymous.predict('recs', { instances }))).toMatchObject({
        status: 401,
        code: 'UNAUTHORIZED',
      });
    } finally {
      await anonymous.close();
    }
  });

  it('does not wait out a Retry-After longer than it is allowed to', async () => {
    const started = Date.now();
    const error = await failure(client.predict('idle', { instances }));
    expect(error).toMatchObject({ status: 503, code: 'UNAVAILABLE', retryAfterSeconds: 10 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rides out a version that is still loading with its one retry', async () => {
    // With no wait allowed, the first pinned call finds 2.0.0 loading and gets 503 + Retry-After: 1.
    const eager = await stack.startReplica({ loadWaitMs: 0 });
    const c = createDataPlaneClient({ url: eager.url, token });
    try {
      const started = Date.now();
      const result = await c.predict('recs', { instances, version: '2.0.0' });
      expect(result.modelVersion).toBe('recs@2.0.0');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      await c.close();
    }
  });
});
