import { generateRecsData } from '@modelplane/demo-models';
import { waitFor } from '@modelplane/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, type Replica, registerDemo, type Stack, startStack } from './stack.ts';

let stack: Stack;
let replica: Replica;
let token: string;

const recs1 = demo('recs', '1.0.0');
const recs2 = demo('recs', '2.0.0');
const rows = generateRecsData({ seed: 3, rows: 4 }).rows;
const flat = rows.flatMap((r) => Array.from(r));

beforeAll(async () => {
  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'recs' });
  await registerDemo(stack.admin, recs1);
  await registerDemo(stack.admin, recs2);
  await stack.admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '1.0.0', weight: 10000 }] });
  token = (await stack.admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await stack.startReplica();
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${replica.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: each test asserts the parts of the body it cares about.
  const json = (await response.json()) as any;
  return { status: response.status, headers: response.headers, body: json };
}

async function reference(file: string): Promise<{ scores: Float32Array; top: number[] }> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({
      features: new ort.Tensor('float32', Float32Array.from(flat), [rows.length, 8]),
    });
    return {
      scores: out.scores?.data as Float32Array,
      top: Array.from(out.top_items?.data as BigInt64Array, Number),
    };
  } finally {
    await session.release();
  }
}

describe('Open Inference Protocol', () => {
  it('serves server metadata and health', async () => {
    expect(await call('GET', '/v2')).toMatchObject({
      status: 200,
      body: { name: 'modelplane', version: expect.any(String), extensions: [] },
    });
    expect(await call('GET', '/v2/health/live')).toMatchObject({ status: 200, body: { live: true } });
    expect(await call('GET', '/v2/health/ready')).toMatchObject({ status: 200, body: { ready: true } });
  });

  it('describes a model from its runner, with -1 for the symbolic batch dimension', async () => {
    const expected = {
      name: 'recs',
      versions: expect.arrayContaining(['1.0.0', '2.0.0']),
      platform: 'onnxruntime',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 8] }],
      outputs: [
        { name: 'scores', datatype: 'FP32', shape: [-1, 20] },
        { name: 'top_items', datatype: 'INT64', shape: [-1, 5] },
      ],
    };
    expect(await call('GET', '/v2/models/recs')).toMatchObject({ status: 200, body: expected });
    expect(await call('GET', '/v2/models/recs/versions/2.0.0')).toMatchObject({
      status: 200,
      body: expected,
    });
  });

  it('reports model readiness per model and per version', async () => {
    expect(await call('GET', '/v2/models/recs/ready')).toMatchObject({
      status: 200,
      body: { name: 'recs', ready: true },
    });
    expect(await call('GET', '/v2/models/recs/versions/1.0.0/ready')).toMatchObject({
      status: 200,
      body: { ready: true },
    });
    expect((await call('GET', '/v2/models/recs/versions/9.9.9/ready')).status).toBe(404);
  });

  it('infers with nested or flat data, echoes the id and honours requested outputs', async () => {
    const ref = await reference(recs1.file);
    const nested = await call('POST', '/v2/models/recs/infer', {
      id: 'req-7',
      inputs: [{ name: 'features', shape: [4, 8], datatype: 'FP32', data: rows.map((r) => Array.from(r)) }],
    });
    expect(nested.status).toBe(200);
    expect(nested.body).toMatchObject({ model_name: 'recs', model_version: '1.0.0', id: 'req-7' });
    const scores = nested.body.outputs.find((o: { name: string }) => o.name === 'scores');
    expect(scores).toMatchObject({ datatype: 'FP32', shape: [4, 20] });
    expect(scores.data).toHaveLength(ref.scores.length);
    for (const [i, v] of (scores.data as number[]).entries()) {
      expect(Math.abs(v - (ref.scores[i] as number))).toBeLessThanOrEqual(1e-6);
    }

    const filtered = await call('POST', '/v2/models/recs/infer', {
      inputs: [{ name: 'features', shape: [4, 8], datatype: 'FP32', data: flat }],
      outputs: [{ name: 'top_items' }],
    });
    expect(filtered.status).toBe(200);
    expect(filtered.body.id).toBe(filtered.headers.get('x-request-id'));
    expect(filtered.body.outputs).toEqual([
      { name: 'top_items', datatype: 'INT64', shape: [4, 5], data: ref.top },
    ]);
  });

  it('pins the version named in the path; otherwise the router chooses', async () => {
    const ref = await reference(recs2.file);
    const body = {
      inputs: [{ name: 'features', shape: [4, 8], datatype: 'FP32', data: flat }],
      outputs: [{ name: 'top_items' }],
    };
    const pinned = await call('POST', '/v2/models/recs/versions/2.0.0/infer', body);
    expect(pinned.body).toMatchObject({ model_version: '2.0.0', outputs: [{ data: ref.top }] });
    expect(pinned.headers.get('x-model-version')).toBe('recs@2.0.0');
    expect((await call('POST', '/v2/models/recs/infer', body)).body.model_version).toBe('1.0.0');
  });

  it.each([
    [
      'an unknown model',
      'POST',
      '/v2/models/nope/infer',
      { inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', data: flat.slice(0, 8) }] },
      404,
      /^NOT_FOUND: model "nope" not found$/,
    ],
    [
      'an unknown version',
      'GET',
      '/v2/models/recs/versions/9.9.9',
      undefined,
      404,
      /^NOT_FOUND: version recs@9\.9\.9 not found$/,
    ],
    [
      'a wrong element count',
      'POST',
      '/v2/models/recs/infer',
      { inputs: [{ name: 'features', shape: [2, 8], datatype: 'FP32', data: flat.slice(0, 8) }] },
      400,
      /^INVALID_INPUT: inputs\[0\]\.data: shape \[2, 8\] needs 16 elements, got 8$/,
    ],
    ['a missing inputs list', 'POST', '/v2/models/recs/infer', { id: 'x' }, 400, /^INVALID_INPUT: inputs: /],
    ['an unknown route', 'GET', '/v2/models/recs/stats', undefined, 404, /^NOT_FOUND: /],
  ] as const)('answers %s with the OIP error shape', async (_name, method, path, body, status, message) => {
    const res = await call(method, path, body);
    expect(res.status).toBe(status);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
  });
});
