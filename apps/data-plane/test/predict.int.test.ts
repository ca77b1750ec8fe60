import { generateConversionData, generateRecsData, rowToInstance } from '@modelplane/demo-models';
import { decodeBucketMap, normalizeWeights, route, type WeightEntry } from '@modelplane/router';
import { waitFor } from '@modelplane/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, type Replica, registerDemo, type Stack, startStack } from './stack.ts';

let stack: Stack;
let replica: Replica;
let token: string;

const recs1 = demo('recs', '1.0.0');
const recs2 = demo('recs', '2.0.0');
const conversion = demo('conversion', '1.0.0');
const recsRows = generateRecsData({ seed: 11, rows: 12 }).rows;
const recsInstances = recsRows.map((row) => rowToInstance(recs1.featureOrder ?? [], row));

beforeAll(async () => {
  stack = await startStack();
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs' });
  await admin.models.create.mutate({ name: 'conversion' });
  await registerDemo(admin, recs1);
  await registerDemo(admin, recs2);
  await registerDemo(admin, conversion);
  // Carries no traffic, so the replica loads it only when a request pins it.
  await registerDemo(admin, recs2, '3.0.0-rc.1');
  await admin.traffic.set.mutate({
    model: 'recs',
    weights: [
      { version: '1.0.0', weight: 5000 },
      { version: '2.0.0', weight: 5000 },
    ],
  });
  await admin.traffic.set.mutate({ model: 'conversion', weights: [{ version: '1.0.0', weight: 10000 }] });
  token = (await admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await stack.startReplica();
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

async function predict(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${replica.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: each test asserts the parts of the body it cares about.
  const json = (await response.json()) as any;
  return { status: response.status, headers: response.headers, body: json };
}

/** The reference: the same file run directly through onnxruntime-node. */
async function reference(
  file: string,
  rows: readonly ArrayLike<number>[],
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  try {
    const width = rows[0]?.length ?? 0;
    const data = new Float32Array(rows.length * width);
    for (const [i, row] of rows.entries()) data.set(Array.from(row), i * width);
    return await session.run({ features: new ort.Tensor('float32', data, [rows.length, width]) });
  } finally {
    await session.release();
  }
}

async function versionId(label: string): Promise<string | undefined> {
  const row = await stack.database.db
    .selectFrom('model_versions')
    .select('id')
    .where('version', '=', label)
    .executeTakeFirst();
  return row?.id;
}

function expectClose(actual: number[], expected: ArrayLike<number>): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, v] of actual.entries())
    expect(Math.abs(v - (expected[i] as number))).toBeLessThanOrEqual(1e-6);
}

describe('POST /v1/models/{name}:predict', () => {
  it.each([
    [recs1, { 'x-model-version': '1.0.0' }],
    [recs2, { 'x-model-version': 'recs@2.0.0' }],
  ])('matches a direct onnxruntime run of $model@$version', async (entry, headers) => {
    const res = await predict('/v1/models/recs:predict', { instances: recsInstances }, headers);
    expect(res.status).toBe(200);
    const ref = await reference(entry.file, recsRows);
    const scores = ref.scores?.data as Float32Array;
    const top = Array.from(ref.top_items?.data as BigInt64Array, Number);
    expect(res.body.modelVersion).toBe(`recs@${entry.version}`);
    expect(res.body.cached).toBe(false);
    expect(res.headers.get('x-model-version')).toBe(`recs@${entry.version}`);
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
    expect(res.body.predictions).toHaveLength(recsRows.length);
    res.body.predictions.forEach((p: { scores: number[]; top_items: number[] }, i: number) => {
      expect(Object.keys(p).sort()).toEqual(['scores', 'top_items']);
      expectClose(p.scores, scores.subarray(i * 20, (i + 1) * 20));
      expect(p.top_items).toEqual(top.slice(i * 5, (i + 1) * 5));
    });
  });

  it('returns the bare per-instance value for a single-output model', async () => {
    const rows = generateConversionData({ seed: 5, rows: 6 }).rows;
    const instances = rows.map((row) => rowToInstance(conversion.featureOrder ?? [], row));
    const res = await predict('/v1/models/conversion:predict', { instances });
    expect(res.status).toBe(200);
    expect(res.body.modelVersion).toBe('conversion@1.0.0');
    const ref = (await reference(conversion.file, rows)).probability?.data as Float32Array;
    expect(res.body.predictions).toHaveLength(6);
    for (const [i, p] of (res.body.predictions as number[][]).entries()) expectClose(p, [ref[i] as number]);
  });

  it('answers a columnar request with outputs, per TF Serving', async () => {
    const order = recs1.featureOrder ?? [];
    const inputs = Object.fromEntries(order.map((f, j) => [f, recsRows.slice(0, 3).map((r) => r[j])]));
    const res = await predict('/v1/models/recs:predict', { inputs }, { 'x-model-version': '1.0.0' });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toBeUndefined();
    const ref = await reference(recs1.file, recsRows.slice(0, 3));
    expect(res.body.outputs.scores).toHaveLength(3);
    expectClose(res.body.outputs.scores.flat(), ref.scores?.data as Float32Array);
    expect(res.body.outputs.top_items.flat()).toEqual(
      Array.from(ref.top_items?.data as BigInt64Array, Number),
    );
  });

  it('takes raw tensor rows and columnar tensors for a single-input model with named features, as TF Serving does', async () => {
    const rows = recsRows.slice(0, 3).map((r) => Array.from(r));
    const ref = await reference(recs1.file, rows);
    const scores = ref.scores?.data as Float32Array;
    const pin = { 'x-model-version': '1.0.0' };
    const issueExample = await predict(
      '/v1/models/recs:predict',
      { instances: [[120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2]] },
      pin,
    );
    expect(issueExample.status).toBe(200);
    const exampleRef = (await reference(recs1.file, [[120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2]])).scores
      ?.data as Float32Array;
    expectClose(issueExample.body.predictions[0].scores, exampleRef);

    const raw = await predict('/v1/models/recs:predict', { instances: rows }, pin);
    expect(raw.status).toBe(200);
    expectClose(
      raw.body.predictions.flatMap((p: { scores: number[] }) => p.scores),
      scores,
    );
    for (const body of [{ inputs: rows }, { inputs: { features: rows } }]) {
      const columnar = await predict('/v1/models/recs:predict', body, pin);
      expect(columnar.status).toBe(200);
      expectClose(columnar.body.outputs.scores.flat(), scores);
    }
  });

  it.each([
    [
      { instances: [[120, 8, 2, 54.5, 1, 0.7, 0.1]] },
      'instances[0]',
      /takes instances of shape \[8\], got \[7\]/,
    ],
    [
      {
        instances: [
          [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2],
          [1, 2],
        ],
      },
      'instances[1]',
      /expected a list of 8/,
    ],
    [
      { instances: [[120, 8, 2, 54.5, 1, 0.7, 0.1, true]] },
      'instances[0][7]',
      /expected a number, got boolean/,
    ],
    [
      { inputs: [[120, 8, 2]] },
      'inputs.features',
      /shape \[1, 3\] does not match input "features" \[-1, 8\]/,
    ],
  ])('refuses raw rows that do not fit the tensor signature: %j', async (body, path, message) => {
    const res = await predict('/v1/models/recs:predict', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_INPUT');
    expect(res.body.error.details).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('routes each routing key to the version the stored bucket map names, every time', async () => {
    const revision = await stack.database.db
      .selectFrom('models')
      .innerJoin('routing_revisions', (join) =>
        join
          .onRef('routing_revisions.model_id', '=', 'models.id')
          .onRef('routing_revisions.revision', '=', 'models.active_revision'),
      )
      .select(['routing_revisions.salt', 'routing_revisions.weights', 'routing_revisions.bucket_map'])
      .where('models.name', '=', 'recs')
      .executeTakeFirstOrThrow();
    const versions = await stack.database.db.selectFrom('model_versions').select(['id', 'version']).execute();
    const labelOf = new Map(versions.map((v) => [v.id, v.version]));
    const weights = revision.weights as unknown as WeightEntry[];
    const map = decodeBucketMap(
      normalizeWeights(weights).map((w) => w.versionId),
      revision.bucket_map,
    );
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const key = `user-${i}`;
      const expected = `recs@${labelOf.get(route(map, revision.salt, key))}`;
      const viaBody = await predict('/v1/models/recs:predict', {
        instances: recsInstances.slice(0, 1),
        routingKey: key,
      });
      const viaHeader = await predict(
        '/v1/models/recs:predict',
        { instances: recsInstances.slice(0, 1) },
        { 'x-routing-key': key },
      );
      expect([
        viaBody.body.modelVersion,
        viaHeader.body.modelVersion,
        viaHeader.headers.get('x-model-version'),
      ]).toEqual([expected, expected, expected]);
      seen.add(expected);
    }
    // A 50/50 split over 40 keys lands on both versions (probability of not: 2^-39).
    expect(seen).toEqual(new Set(['recs@1.0.0', 'recs@2.0.0']));
  });

  it('pins by header, by name@version and by path, including a version without traffic', async () => {
    const body = { instances: recsInstances.slice(0, 2) };
    expect(
      (await predict('/v1/models/recs:predict', body, { 'x-model-version': '2.0.0' })).body.modelVersion,
    ).toBe('recs@2.0.0');
    expect((await predict('/v1/models/recs/versions/1.0.0:predict', body)).body.modelVersion).toBe(
      'recs@1.0.0',
    );
    expect(replica.backends.state((await versionId('3.0.0-rc.1')) as string).status).toBe('absent');
    const pinned = await predict('/v1/models/recs:predict', body, { 'x-model-version': 'recs@3.0.0-rc.1' });
    expect(pinned.status).toBe(200);
    expect(pinned.body.modelVersion).toBe('recs@3.0.0-rc.1');
    expect(pinned.headers.get('x-model-version')).toBe('recs@3.0.0-rc.1');
  });

  it('mints its own request id every time, and echoes a sane caller id alongside', async () => {
    const body = { instances: recsInstances.slice(0, 1) };
    const sane = await predict('/v1/models/recs:predict', body, { 'x-request-id': 'trace-42.a:b' });
    const again = await predict('/v1/models/recs:predict', body, { 'x-request-id': 'trace-42.a:b' });
    for (const res of [sane, again]) {
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
      expect(res.headers.get('x-client-request-id')).toBe('trace-42.a:b');
    }
    // A reused caller id never becomes a shared join key for feedback.
    expect(again.body.requestId).not.toBe(sane.body.requestId);
    const unsafe = await predict('/v1/models/recs:predict', body, { 'x-request-id': `x${'y'.repeat(300)}` });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(unsafe.headers.get('x-client-request-id')).toBeNull();
  });
});
