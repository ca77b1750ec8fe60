import { startTfServingServer, type TfServingServer, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, type ServingReplica, startServingReplica, tfServingModel } from './serving-stack.ts';
import { demo, registerDemo, type Stack, startStack } from './stack.ts';

// Remote backends end to end: one data plane serves recs@2.0.0 in-process and is, at the same
// time, the Open Inference Protocol backend of another version; a TF-Serving-shaped server
// computes the same model with the test's own onnxruntime session.

let stack: Stack;
let replica: ServingReplica;
let tfserving: TfServingServer;
const recs = demo('recs', '2.0.0');
const rows = [
  [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2],
  [3, 1, 0, 0, 0, 0.1, 0.8, 0.1],
  [900, 30, 12, 220, 4, 0.2, 0.2, 0.9],
];

beforeAll(async () => {
  stack = await startStack();
  tfserving = await startTfServingServer([await tfServingModel(recs, 'recs-tf')]);
  replica = await startServingReplica(stack);
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs' });
  await registerDemo(admin, recs);
  await admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '2.0.0', weight: 10000 }] });
  await admin.models.create.mutate({ name: 'remote' });
  await admin.versions.register.mutate({
    model: 'remote',
    version: 'oip',
    backend: { kind: 'oip', url: replica.url, remoteName: 'recs', remoteVersion: '2.0.0' },
  });
  await admin.versions.register.mutate({
    model: 'remote',
    version: 'tf',
    backend: { kind: 'tfserving', url: `${tfserving.url}/`, remoteName: 'recs-tf' },
  });
  await admin.traffic.set.mutate({
    model: 'remote',
    weights: [
      { version: 'oip', weight: 5000 },
      { version: 'tf', weight: 5000 },
    ],
  });
  // A model whose routed version is local, with a remote version staged for pinned requests.
  await admin.models.create.mutate({ name: 'guarded' });
  await registerDemo(admin, recs, '1.0.0', { model: 'guarded' });
  await admin.versions.register.mutate({
    model: 'guarded',
    version: 'tf',
    backend: { kind: 'tfserving', url: tfserving.url, remoteName: 'recs-tf' },
  });
  await admin.traffic.set.mutate({ model: 'guarded', weights: [{ version: '1.0.0', weight: 10000 }] });
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await replica?.close();
  await tfserving?.close();
  await stack?.close();
});

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) => {
    row.forEach((value, c) => {
      expect(Math.abs(value - (expected[r]?.[c] ?? Number.NaN))).toBeLessThanOrEqual(1e-6);
    });
  });
}

describe('remote backends', () => {
  it.each(['oip', 'tf'])('%s: outputs equal local inference of the same model', async (label) => {
    const named = rows.map((row) => Object.fromEntries((recs.featureOrder ?? []).map((f, i) => [f, row[i]])));
    const local = await postJson(`${replica.url}/v1/models/recs/versions/2.0.0:predict`, {
      instances: named,
    });
    const remote = await postJson(`${replica.url}/v1/models/remote/versions/${label}:predict`, {
      instances: rows,
    });
    expect(local.status).toBe(200);
    expect(remote.status).toBe(200);
    expect(remote.body.modelVersion).toBe(`remote@${label}`);
    const pick = (body: { predictions: Array<Record<string, number[]>> }, name: string) =>
      body.predictions.map((p) => p[name] as number[]);
    expectClose(pick(remote.body, 'scores'), pick(local.body, 'scores'));
    expect(pick(remote.body, 'top_items')).toEqual(pick(local.body, 'top_items'));
  });

  it('speaks OIP to the remote: /v2 infer through an oip version matches the local version', async () => {
    const body = { inputs: [{ name: 'features', datatype: 'FP32', shape: [3, 8], data: rows.flat() }] };
    const local = await postJson(`${replica.url}/v2/models/recs/versions/2.0.0/infer`, body);
    const remote = await postJson(`${replica.url}/v2/models/remote/versions/oip/infer`, body);
    expect(remote.status).toBe(200);
    expect(remote.body.outputs).toEqual(local.body.outputs);
    const metadata = await fetch(`${replica.url}/v2/models/remote/versions/oip`);
    expect(await metadata.json()).toMatchObject({
      platform: 'oip-remote',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 8] }],
    });
  });

  it('counts one backend call per request at the TF-Serving server', async () => {
    tfserving.resetCounts();
    for (let i = 0; i < 5; i++) {
      const res = await postJson(`${replica.url}/v1/models/remote/versions/tf:predict`, { instances: rows });
      expect(res.status).toBe(200);
    }
    expect(tfserving.predictCalls).toBe(5);
  });

  it('refuses, at registration, an endpoint that is not http(s) or carries credentials', async () => {
    for (const url of ['file:///etc/passwd', 'http://user:secret@127.0.0.1:1/', 'gopher://127.0.0.1/']) {
      await expect(
        stack.admin.versions.register.mutate({
          model: 'remote',
          version: 'bad',
          backend: { kind: 'oip', url, remoteName: 'recs' },
        }),
      ).rejects.toThrow(/http\(s\) URL without credentials/);
    }
  });

  it('a replica whose allowlist omits the host never connects, and says why', async () => {
    const strict = await startServingReplica(stack, {
      remote: { hostAllowlist: ['models.internal'] },
    });
    try {
      tfserving.resetCounts();
      const res = await postJson(`${strict.url}/v1/models/guarded/versions/tf:predict`, { instances: rows });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({
        code: 'VERSION_LOAD_FAILED',
        message:
          "version guarded@tf failed to load: its backend host is not on this replica's BACKEND_HOST_ALLOWLIST",
      });
      expect(tfserving.predictCalls).toBe(0);
      const version = strict.plane.routing.snapshot()?.models.get('guarded')?.versionsByLabel.get('tf');
      const state = strict.plane.backends.state(version?.id ?? '');
      expect(state).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/BACKEND_HOST_ALLOWLIST/),
      });
    } finally {
      await strict.close();
    }
  });
});
