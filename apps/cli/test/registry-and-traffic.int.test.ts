import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model, ModelVersion, Revision } from '@modelplane/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type PostgresControlPlane,
  startPostgresControlPlane,
} from './postgres-control-plane.ts';

interface TrafficView {
  model: string;
  revision: Revision | null;
  versions: { version: string; status: string }[];
}

let cp: PostgresControlPlane;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'modelplane-cli-'));
  cp = await startPostgresControlPlane();
});

afterAll(async () => {
  await cp?.close();
  await rm(workDir, { recursive: true, force: true });
});

const weightsOf = (revision: Revision | null) =>
  Object.fromEntries((revision?.weights ?? []).map((w) => [w.version, w.weight]));

describe('models', () => {
  it('creates, lists, reads and updates a model', async () => {
    const created = await cp.cli(['models', 'create', 'recs', '--description', 'home feed', '--cache', 'on']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain('created model recs');

    expect((await cp.json<Model[]>(['models', 'list'])).map((m) => m.name)).toEqual(['recs']);
    expect((await cp.json<Model>(['models', 'get', 'recs'])).cache).toEqual({
      enabled: true,
      ttlSeconds: 300,
    });

    // A TTL alone keeps the cache switched on.
    const updated = await cp.json<Model>(['models', 'update', 'recs', '--cache-ttl', '60']);
    expect(updated.cache).toEqual({ enabled: true, ttlSeconds: 60 });
    expect((await cp.cli(['models', 'list'])).stdout).toMatch(
      /^NAME\s+REVISION\s+CACHE\s+DESCRIPTION\nrecs\s+-\s+60s\s+home feed\n$/,
    );
  });
});

describe('versions', () => {
  it('registers a remote backend with schemas, metrics and serving options', async () => {
    const schemaPath = join(workDir, 'input.json');
    await writeFile(schemaPath, JSON.stringify({ type: 'object', properties: { user: { type: 'string' } } }));
    const version = await cp.json<ModelVersion>([
      'versions',
      'register',
      'recs@1.0.0',
      '--backend',
      'oip',
      '--endpoint',
      'http://127.0.0.1:9000',
      '--remote-name',
      'recs-a',
      '--remote-version',
      '3',
      '--input-schema',
      schemaPath,
      '--metrics',
      'accuracy=0.91,trainedOnRows=10000',
      '--serving-options',
      '{"deadlineMs":500}',
      '--description',
      'first',
    ]);
    expect(version).toMatchObject({
      ref: 'recs@1.0.0',
      status: 'staging',
      backend: { kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: 'recs-a', remoteVersion: '3' },
      artifact: null,
      inputSchema: { type: 'object' },
      metrics: { accuracy: 0.91, trainedOnRows: 10000 },
      servingOptions: { deadlineMs: 500 },
      description: 'first',
    });
  });

  it('uploads a local file and registers it by its sha256 as an artifact:// URI', async () => {
    const bytes = randomBytes(256 * 1024);
    await writeFile(join(workDir, 'model.onnx'), bytes);
    const expected = createHash('sha256').update(bytes).digest('hex');
    // A relative path resolves against the CLI's working directory.
    const result = await cp.cli(['versions', 'register', 'recs@2.4.0', '--file', 'model.onnx', '--json'], {
      cwd: workDir,
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const version = JSON.parse(result.stdout) as ModelVersion;
    expect(version.backend).toEqual({ kind: 'onnx' });
    expect(version.artifact).toEqual({ uri: `artifact://${expected}`, sha256: expected });
    expect((await cp.json<ModelVersion>(['versions', 'get', 'recs@2.4.0'])).artifact?.sha256).toBe(expected);
    // The bytes are stored in the registry, byte for byte, for every replica to fetch.
    const stored = await fetch(`${cp.url}/artifacts/${expected}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(stored.status).toBe(200);
    expect(Buffer.from(await stored.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('registers by artifact URI and updates serving options', async () => {
    const sha = 'AB'.repeat(32);
    const version = await cp.json<ModelVersion>([
      'versions',
      'register',
      'recs@3.0.0',
      '--artifact-uri',
      'https://models.example/recs-3.onnx',
      '--sha256',
      sha,
    ]);
    expect(version.artifact).toEqual({
      uri: 'https://models.example/recs-3.onnx',
      sha256: sha.toLowerCase(),
    });
    const updated = await cp.json<ModelVersion>([
      'versions',
      'update',
      'recs@3.0.0',
      '--serving-options',
      '{"deadlineMs":250,"maxBatchSize":8}',
    ]);
    expect(updated.servingOptions).toEqual({ deadlineMs: 250, maxBatchSize: 8 });
    const table = await cp.cli(['versions', 'list', 'recs']);
    expect(table.stdout.split('\n')[0]).toMatch(/^VERSION\s+STATUS\s+BACKEND\s+SOURCE\s+CREATED$/);
    expect(table.stdout).toMatch(/^2\.4\.0\s+staging\s+onnx\s+artifact:\/\//m);
  });
});

describe('traffic', () => {
  it('promotes, then canaries 10 % as 9000/1000 basis points', async () => {
    expect((await cp.cli(['traffic', 'promote', 'recs@1.0.0'])).code).toBe(0);
    const canary = await cp.cli(['traffic', 'canary', 'recs@2.4.0', '--percent', '10']);
    expect(canary).toMatchObject({ code: 0, stderr: '' });
    expect(canary.stdout).toContain('1.0.0 90%, 2.4.0 10%');

    const view = await cp.json<TrafficView>(['traffic', 'show', 'recs']);
    expect(view.revision?.revision).toBe(2);
    expect(weightsOf(view.revision)).toEqual({ '1.0.0': 9000, '2.4.0': 1000 });
    expect(view.revision?.baseline).toBe('1.0.0');
    expect(Object.fromEntries(view.versions.map((v) => [v.version, v.status]))).toEqual({
      '1.0.0': 'production',
      '2.4.0': 'canary',
      '3.0.0': 'staging',
    });
    const table = (await cp.cli(['traffic', 'show', 'recs'])).stdout;
    expect(table).toMatch(/^1\.0\.0\s+90%\s+production\s+baseline$/m);
    expect(table).toMatch(/^2\.4\.0\s+10%\s+canary$/m);
  });

  it('sets a split in percent with decimals', async () => {
    const revision = await cp.json<Revision>([
      'traffic',
      'set',
      'recs',
      '--weights',
      '1.0.0=75.5,2.4.0=20,3.0.0=4.5',
      '--baseline',
      '1.0.0',
    ]);
    expect(weightsOf(revision)).toEqual({ '1.0.0': 7550, '2.4.0': 2000, '3.0.0': 450 });
  });

  it('shows history newest first, rolls back and reshuffles', async () => {
    const history = await cp.json<(Revision & { active: boolean })[]>(['traffic', 'history', 'recs']);
    expect(history.map((r) => [r.revision, r.action, r.active])).toEqual([
      [3, 'set', true],
      [2, 'canary', false],
      [1, 'promote', false],
    ]);
    expect(await cp.json<Revision[]>(['traffic', 'history', 'recs', '--limit', '1'])).toHaveLength(1);

    const back = await cp.json<Revision>(['traffic', 'rollback', 'recs']);
    expect(back).toMatchObject({ revision: 4, action: 'rollback', restoresRevision: 2 });
    expect(weightsOf(back)).toEqual({ '1.0.0': 9000, '2.4.0': 1000 });

    const toFirst = await cp.json<Revision>(['traffic', 'rollback', 'recs', '--to', '1']);
    expect(weightsOf(toFirst)).toEqual({ '1.0.0': 10000 });

    const reshuffled = await cp.json<Revision>(['traffic', 'reshuffle', 'recs']);
    expect(reshuffled.action).toBe('reshuffle');
    expect(reshuffled.salt).not.toBe(toFirst.salt);
    expect(weightsOf(reshuffled)).toEqual({ '1.0.0': 10000 });
  });

  it('archives a version without traffic and hides it unless --all', async () => {
    const archived = await cp.json<ModelVersion>(['versions', 'archive', 'recs@3.0.0']);
    expect(archived.status).toBe('archived');
    const listed = await cp.json<ModelVersion[]>(['versions', 'list', 'recs']);
    expect(listed.map((v) => v.version)).toEqual(['1.0.0', '2.4.0']);
    const all = await cp.json<ModelVersion[]>(['versions', 'list', 'recs', '--all']);
    expect(all.map((v) => v.version)).toEqual(['1.0.0', '2.4.0', '3.0.0']);
  });
});
