import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from '@modelplane/cli';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, type ServingReplica, startServingReplica } from './serving-stack.ts';
import { ADMIN_TOKEN, demo, type Stack, startStack } from './stack.ts';

// signal-level@1.0.0 reflect-pads each row by one sample and averages it: like the voice-activity
// model of issue 11, it refuses a one-sample input, so the warm-up with zeros fails on it.
const model = demo('signal-level', '1.0.0');
// Reference outputs worked by hand: [1, 2, 3] pads to [2, 1, 2, 3, 2] (mean 2); [4, 8] to [8, 4, 8, 4] (mean 6).
const ROW = [1, 2, 3];
const ROW_LEVEL = 2;

const GOOD_WARMUP = {
  inputs: [{ name: 'signal', shape: [1, 4], datatype: 'FP32', data: [0.5, -0.5, 0.25, 0] }],
};
// Matches the signature (any batch, any length) but the model refuses it when it runs.
const FAILING_WARMUP = { inputs: [{ name: 'signal', shape: [1, 1], datatype: 'FP32', data: [0] }] };

let stack: Stack;
let replica: ServingReplica;
let workDir: string;

/** Runs the CLI in-process against the real control plane; returns exit code and output. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    url: stack.url,
    token: ADMIN_TOKEN,
    cwd: workDir,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

/** `versions register` through the CLI, uploading the model file; the registered version as JSON. */
async function register(ref: string, extra: string[] = [], file = model.file) {
  const result = await cli(['versions', 'register', ref, '--file', file, '--json', ...extra]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
}

async function replicaOf(name: string) {
  const traffic = await stack.admin.traffic.get.query({ model: name });
  return traffic.replicas.find((r) => r.replicaId === replica.plane.routing.replicaId);
}

/** Anything that locates infrastructure: the test's directories, the replica's address, absolute paths. */
function expectSafe(message: string): void {
  expect(message).not.toContain(workDir);
  expect(message).not.toContain(tmpdir());
  expect(message).not.toContain('127.0.0.1');
  expect(message).not.toMatch(/(^|\s)\/[\w.-]+\//);
}

beforeAll(async () => {
  stack = await startStack();
  workDir = await mkdtemp(join(tmpdir(), 'mp-warmup-'));
  await writeFile(join(workDir, 'good.json'), JSON.stringify(GOOD_WARMUP));
  await writeFile(join(workDir, 'failing.json'), JSON.stringify(FAILING_WARMUP));
  await writeFile(join(workDir, 'garbage.onnx'), randomBytes(4096));
  replica = await startServingReplica(stack);
}, 60_000);

afterAll(async () => {
  await replica?.close();
  await stack?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('a model that refuses zeros, with no warm-up registered', () => {
  it('serves, reports the failed zero warm-up as a warning everywhere, and records the signature', async () => {
    expect((await cli(['models', 'create', 'sig-zeros'])).code).toBe(0);
    const version = await register('sig-zeros@1.0.0');
    // The signature as the demo-model build declares it, read from the uploaded file by the control plane.
    expect(version.signature).toEqual({ inputs: model.inputs, outputs: model.outputs });
    expect(version.warmup).toBeNull();
    await stack.admin.traffic.promote.mutate({ model: 'sig-zeros', version: '1.0.0' });

    await waitFor(async () => (await replicaOf('sig-zeros'))?.appliedRevision === 1, {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    const oip = await postJson(`${replica.url}/v2/models/sig-zeros/infer`, {
      inputs: [{ name: 'signal', shape: [1, 3], datatype: 'FP32', data: ROW }],
    });
    expect(oip.status).toBe(200);
    expect(oip.body.outputs[0]).toMatchObject({ name: 'level', shape: [1], data: [ROW_LEVEL] });
    const v1 = await postJson(`${replica.url}/v1/models/sig-zeros:predict`, { instances: [[4, 8]] });
    expect(v1.status).toBe(200);
    expect(v1.body.predictions).toEqual([6]);

    const status = await waitFor(
      async () => {
        const r = await replicaOf('sig-zeros');
        return r?.versionWarnings['sig-zeros@1.0.0'] ? r : undefined;
      },
      { timeoutMs: 10_000, message: 'warning in traffic.get' },
    );
    expect(status.versionWarnings['sig-zeros@1.0.0']).toMatch(/warm-up with zeros .*failed.*reflect/);
    expect(status.versionErrors).toEqual({});

    const shown = await cli(['traffic', 'show', 'sig-zeros']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      `warning: ${replica.plane.routing.replicaId}: sig-zeros@1.0.0 serves, but the warm-up with zeros`,
    );
    const metrics = await (await fetch(`${replica.url}/metrics`)).text();
    expect(metrics).toMatch(
      /modelplane_warmup_failures_total\{model="sig-zeros",version="1\.0\.0",request="zeros"\} 1/,
    );
  });
});

describe('a registered warm-up request', () => {
  it('is stored with the version and warms it: the version serves with no warning', async () => {
    await stack.admin.models.create.mutate({ name: 'sig-good' });
    const version = await register('sig-good@1.0.0', ['--warmup', 'good.json']);
    expect(version.warmup).toEqual(GOOD_WARMUP);
    expect((await cli(['versions', 'get', 'sig-good@1.0.0'])).stdout).toMatch(/warm-up\s+registered request/);
    await stack.admin.traffic.promote.mutate({ model: 'sig-good', version: '1.0.0' });

    await waitFor(async () => (await replicaOf('sig-good'))?.appliedRevision === 1, {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    const res = await postJson(`${replica.url}/v1/models/sig-good:predict`, { instances: [ROW] });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toEqual([ROW_LEVEL]);
    // A heartbeat sent after the table was applied carries no warning for it.
    await replica.plane.routing.reconcile();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await replicaOf('sig-good'))?.versionWarnings).toEqual({});
    expect(await (await fetch(`${replica.url}/metrics`)).text()).not.toMatch(
      /modelplane_warmup_failures_total\{model="sig-good"/,
    );
  });

  it.each([
    [
      'an unknown input',
      { inputs: [{ name: 'audio', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] },
      "warmup input 'audio': the model has no such input (it expects 'signal')",
    ],
    [
      'a wrong datatype',
      { inputs: [{ name: 'signal', shape: [1, 2], datatype: 'INT64', data: [1, 2] }] },
      "warmup input 'signal': datatype INT64 does not match the model's FP32",
    ],
    [
      'a shape of another rank',
      { inputs: [{ name: 'signal', shape: [2], datatype: 'FP32', data: [1, 2] }] },
      "warmup input 'signal': shape [2] is not compatible with the model's [-1, -1]",
    ],
    [
      'data that does not fill the shape',
      { inputs: [{ name: 'signal', shape: [1, 4], datatype: 'FP32', data: [1, 2] }] },
      "warmup input 'signal': data has 2 elements, shape [1, 4] needs 4",
    ],
  ])(
    'that does not match the signature (%s) is refused with a 400 naming the input',
    async (_l, warmup, message) => {
      await stack.admin.models.create.mutate({ name: 'sig-refused' }).catch(() => {});
      const file = `bad-${randomBytes(4).toString('hex')}.json`;
      await writeFile(join(workDir, file), JSON.stringify(warmup));
      const viaCli = await cli([
        'versions',
        'register',
        'sig-refused@1.0.0',
        '--file',
        model.file,
        '--warmup',
        file,
      ]);
      expect(viaCli.code).not.toBe(0);
      expect(viaCli.stderr).toContain(message);

      const artifact = { uri: `artifact://${model.sha256}`, sha256: model.sha256 };
      const error = await stack.admin.versions.register
        .mutate({
          model: 'sig-refused',
          version: '1.0.0',
          backend: { kind: 'onnx' },
          artifact,
          warmup: warmup as never,
        })
        .catch((e: { data?: { httpStatus?: number }; message: string }) => e);
      expect(error).toMatchObject({ data: { httpStatus: 400 }, message: expect.stringContaining(message) });
      await expect(
        stack.admin.versions.get.query({ model: 'sig-refused', version: '1.0.0' }),
      ).rejects.toThrow(/not found/);
    },
  );

  it('cannot be registered for a model whose signature the control plane cannot read', async () => {
    await stack.admin.models.create.mutate({ name: 'sig-unread' });
    const garbage = await cli([
      'versions',
      'register',
      'sig-unread@1.0.0',
      '--file',
      'garbage.onnx',
      '--warmup',
      'good.json',
    ]);
    expect(garbage.code).not.toBe(0);
    expect(garbage.stderr).toContain('warmup: cannot be checked against the model');
    expect(garbage.stderr).toContain('ONNX Runtime cannot create a session');
    // A file:// artifact is fetched by the replicas only: the control plane never reads it.
    const onDisk = await stack.admin.versions.register
      .mutate({
        model: 'sig-unread',
        version: '1.0.0',
        backend: { kind: 'onnx' },
        artifact: { uri: pathToFileURL(model.file).href, sha256: model.sha256 },
        warmup: GOOD_WARMUP as never,
      })
      .catch((e: { data?: { httpStatus?: number }; message: string }) => e);
    expect(onDisk).toMatchObject({ data: { httpStatus: 400 }, message: expect.stringMatching(/^warmup: /) });
  });
});

describe('a version that fails to load', () => {
  it('with a registered warm-up that fails: 503 VERSION_LOAD_FAILED with a safe reason, other versions serve', async () => {
    await stack.admin.models.create.mutate({ name: 'sig-canary' });
    await register('sig-canary@1.0.0', ['--warmup', 'good.json']);
    await register('sig-canary@2.0.0', ['--warmup', 'failing.json']);
    await stack.admin.traffic.promote.mutate({ model: 'sig-canary', version: '1.0.0' });
    await waitFor(async () => (await replicaOf('sig-canary'))?.appliedRevision === 1, {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    await stack.admin.traffic.canary.mutate({ model: 'sig-canary', version: '2.0.0', weight: 5000 });

    const reported = await waitFor(
      async () => (await replicaOf('sig-canary'))?.versionErrors['sig-canary@2.0.0'],
      { timeoutMs: 20_000, message: 'sig-canary@2.0.0 reported as failed' },
    );
    expect(reported).toMatch(/registered warm-up request failed: .*reflect/);
    // Make before break: the revision routing half to 2.0.0 is not applied, 1.0.0 keeps all traffic.
    for (let i = 0; i < 5; i++) {
      const res = await postJson(`${replica.url}/v1/models/sig-canary:predict`, { instances: [ROW] });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-model-version')).toBe('sig-canary@1.0.0');
    }
    const pinned = await postJson(`${replica.url}/v1/models/sig-canary/versions/2.0.0:predict`, {
      instances: [ROW],
    });
    expect(pinned.status).toBe(503);
    expect(pinned.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(pinned.body.error.code).toBe('VERSION_LOAD_FAILED');
    expect(pinned.body.error.message).toMatch(
      /^version sig-canary@2\.0\.0 failed to load: its registered warm-up request failed: .*Pad reflect requires axis length >= 2/,
    );
    expectSafe(pinned.body.error.message);
    const oip = await postJson(`${replica.url}/v2/models/sig-canary/versions/2.0.0/infer`, {
      inputs: [{ name: 'signal', shape: [1, 3], datatype: 'FP32', data: ROW }],
    });
    expect(oip.status).toBe(503);
    expect(oip.body.error).toMatch(/^VERSION_LOAD_FAILED: version sig-canary@2\.0\.0 failed to load: /);
    // A version registered while the revision is blocked can still be pinned.
    await register('sig-canary@1.1.0', ['--warmup', 'good.json']);
    const later = await waitFor(
      async () => {
        const r = await postJson(`${replica.url}/v1/models/sig-canary/versions/1.1.0:predict`, {
          instances: [ROW],
        });
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'sig-canary@1.1.0 pinnable' },
    );
    expect(later.body.predictions).toEqual([ROW_LEVEL]);
    // Metadata comes from the registered signature: no load needed.
    const meta = await fetch(`${replica.url}/v2/models/sig-canary/versions/2.0.0`);
    expect(meta.status).toBe(200);
    expect(await meta.json()).toMatchObject({ inputs: model.inputs, outputs: model.outputs });
    const metrics = await (await fetch(`${replica.url}/metrics`)).text();
    expect(metrics).toMatch(
      /modelplane_warmup_failures_total\{model="sig-canary",version="2\.0\.0",request="registered"\} [1-9]/,
    );
  });

  it('on worker threads, the same rules hold: zeros only warn, a failing registered warm-up fails', async () => {
    const threads = ['--serving-options', '{"workerThreads":1}'];
    await stack.admin.models.create.mutate({ name: 'sig-threads' });
    await register('sig-threads@1.0.0', threads);
    await register('sig-threads@2.0.0', [...threads, '--warmup', 'failing.json']);
    const warned = await postJson(`${replica.url}/v1/models/sig-threads/versions/1.0.0:predict`, {
      instances: [ROW],
    });
    expect(warned.status).toBe(200);
    expect(warned.body.predictions).toEqual([ROW_LEVEL]);
    const failed = await postJson(`${replica.url}/v1/models/sig-threads/versions/2.0.0:predict`, {
      instances: [ROW],
    });
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('VERSION_LOAD_FAILED');
    expect(failed.body.error.message).toMatch(
      /^version sig-threads@2\.0\.0 failed to load: its registered warm-up request failed/,
    );
    expectSafe(failed.body.error.message);
  });

  it('as the only version of a model: requests say the version failed to load, metadata still answers', async () => {
    await stack.admin.models.create.mutate({ name: 'sig-broken' });
    await register('sig-broken@1.0.0', ['--warmup', 'failing.json']);
    await stack.admin.models.create.mutate({ name: 'sig-corrupt' });
    // Not an ONNX file: without a warm-up the control plane accepts it, the replicas report it.
    const corrupt = await register('sig-corrupt@1.0.0', [], join(workDir, 'garbage.onnx'));
    expect(corrupt.signature).toBeNull();
    await stack.admin.traffic.promote.mutate({ model: 'sig-broken', version: '1.0.0' });
    await stack.admin.traffic.promote.mutate({ model: 'sig-corrupt', version: '1.0.0' });

    for (const [name, reason] of [
      ['sig-broken', /its registered warm-up request failed/],
      ['sig-corrupt', /ONNX Runtime could not create a session/],
    ] as const) {
      const res = await waitFor(
        async () => {
          const r = await postJson(`${replica.url}/v1/models/${name}:predict`, { instances: [ROW] });
          return r.body?.error?.code === 'VERSION_LOAD_FAILED' ? r : undefined;
        },
        { timeoutMs: 20_000, message: `${name} answers VERSION_LOAD_FAILED` },
      );
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(new RegExp(`^version ${name}@1\\.0\\.0 failed to load: `));
      expect(res.body.error.message).toMatch(reason);
      expect(res.body.error.message).not.toContain('no traffic configured');
      expectSafe(res.body.error.message);
      const oip = await postJson(`${replica.url}/v2/models/${name}/infer`, {
        inputs: [{ name: 'signal', shape: [1, 3], datatype: 'FP32', data: ROW }],
      });
      expect(oip.status).toBe(503);
      expect(oip.body.error).toMatch(
        new RegExp(`^VERSION_LOAD_FAILED: version ${name}@1\\.0\\.0 failed to load`),
      );
      const reported = await waitFor(async () => (await replicaOf(name))?.versionErrors[`${name}@1.0.0`], {
        timeoutMs: 10_000,
        message: `${name}@1.0.0 in traffic.get`,
      });
      expect(reported).toMatch(reason);
    }
    // The registered signature describes sig-broken although no replica could load it.
    const meta = await fetch(`${replica.url}/v2/models/sig-broken`);
    expect(meta.status).toBe(200);
    expect(await meta.json()).toMatchObject({
      name: 'sig-broken',
      inputs: model.inputs,
      outputs: model.outputs,
    });
    // Other models keep serving.
    const other = await postJson(`${replica.url}/v1/models/sig-zeros:predict`, { instances: [ROW] });
    expect(other.status).toBe(200);
    expect(other.body.predictions).toEqual([ROW_LEVEL]);
  });
});
