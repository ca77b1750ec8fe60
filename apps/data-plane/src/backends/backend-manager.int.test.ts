import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDb, type Database } from '@modelplane/db';
import { DomainError } from '@modelplane/schemas';
import { getFreePort, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demo,
  featureTensor,
  fileArtifact,
  LOCAL_ACCESS,
  onnxVersion,
  recordingLogger,
  tempDir,
} from '../../test/backend-fixtures.ts';
import {
  type BackendManagerOptions,
  createBackendManager,
  VersionLoadFailedError,
} from './backend-manager.ts';
import type { BackendManager, Tensor } from './types.ts';

// These tests only use file:// artifacts; the database is never reached.
let database: Database;
let cache: Awaited<ReturnType<typeof tempDir>>;
const managers: BackendManager[] = [];

beforeAll(async () => {
  database = await createDb({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/unused' });
  cache = await tempDir('manager');
});
afterAll(async () => {
  for (const manager of managers) await manager.close();
  await database.close();
  await cache.remove();
});

function manager(options: Partial<BackendManagerOptions> = {}) {
  const logger = recordingLogger();
  const created = createBackendManager({
    db: database.db,
    cacheDir: cache.path,
    logger,
    ...LOCAL_ACCESS,
    ...options,
  });
  managers.push(created);
  return { manager: created, logger };
}

const loads = (logger: ReturnType<typeof recordingLogger>) =>
  logger.records.filter((r) => r.msg === 'version ready').length;

describe('ensureReady', () => {
  it('loads a version once however many requests wait for it', async () => {
    const { manager: m, logger } = manager();
    const version = onnxVersion(demo('heavy-mlp'), fileArtifact(demo('heavy-mlp')));
    const pending = Array.from({ length: 8 }, () => m.ensureReady(version));
    expect(m.state(version.id).status).toBe('loading');
    const runners = await Promise.all(pending);
    expect(new Set(runners).size).toBe(1);
    expect(loads(logger)).toBe(1);
    await m.ensureReady(version);
    expect(loads(logger)).toBe(1);
  });

  it('reports symbolic batch dims as -1 from the session', async () => {
    const { manager: m } = manager();
    const runner = await m.ensureReady(onnxVersion(demo('conversion'), fileArtifact(demo('conversion'))));
    expect(runner.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, 6] }]);
    expect(runner.outputs).toEqual([{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }]);
  });

  it.each(['oip', 'tfserving'] as const)(
    'a %s version whose server refuses connections fails, naming it',
    async (kind) => {
      const { manager: m } = manager();
      const port = await getFreePort();
      const version = {
        ...onnxVersion(demo('recs'), fileArtifact(demo('recs'))),
        backend: { kind, url: `http://127.0.0.1:${port}`, remoteName: 'recs' },
        artifact: null,
      };
      const reason = `the backend for ${version.ref} is unavailable: it could not be reached`;
      await expect(m.ensureReady(version)).rejects.toThrow(reason);
      expect(m.state(version.id)).toEqual({ status: 'failed', error: reason });
      await m.close();
    },
  );

  it('a remote version whose host is not on the allowlist is never contacted', async () => {
    const { manager: m } = manager({ remote: { hostAllowlist: ['models.internal'] } });
    const version = {
      ...onnxVersion(demo('recs'), fileArtifact(demo('recs'))),
      backend: { kind: 'oip' as const, url: 'http://169.254.169.254/latest', remoteName: 'recs' },
      artifact: null,
    };
    await expect(m.ensureReady(version)).rejects.toThrow(
      `version ${version.ref} failed to load: its backend host is not on this replica's BACKEND_HOST_ALLOWLIST`,
    );
    await m.close();
  });

  it('keeps a failed version failed until its backoff expires, then retries', async () => {
    // Its own cache: a verified copy of this digest elsewhere would make the missing file irrelevant.
    const own = await tempDir('backoff');
    const { manager: m } = manager({ retryBackoffMs: 300, cacheDir: own.path });
    const entry = demo('conversion');
    const path = join(own.path, 'arrives-later.onnx');
    const version = onnxVersion(entry, { uri: pathToFileURL(path).href, sha256: entry.sha256 });
    const first = await m.ensureReady(version).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(VersionLoadFailedError);
    expect((first as DomainError).code).toBe('VERSION_LOAD_FAILED');
    expect((first as Error).message).toContain(version.ref);

    await copyFile(entry.file, path);
    // Within the backoff the stored failure is returned without another fetch.
    const again = m.ensureReady(version);
    expect(m.state(version.id).status).toBe('failed');
    await expect(again).rejects.toThrow((first as Error).message);

    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(m.ensureReady(version)).resolves.toBeDefined();
    expect(m.state(version.id).status).toBe('ready');
    await m.close();
    await own.remove();
  });
});

describe('runner', () => {
  const entry = demo('recs');
  const good = () => featureTensor(entry, 2);
  const cases: [string, Tensor[], RegExp][] = [
    ['an unknown name', [{ ...good(), name: 'feats' }], /unknown input tensor 'feats'/],
    [
      'a wrong width',
      [{ ...good(), shape: [2, 7], data: new Array(14).fill(0) }],
      /'features' has shape \[2,7\]/,
    ],
    ['a wrong rank', [{ ...good(), shape: [16] }], /'features' has shape \[16\]/],
    ['a wrong datatype', [{ ...good(), datatype: 'FP64' }], /'features' must be FP32, got FP64/],
    ['too little data', [{ ...good(), data: [1, 2, 3] }], /'features' has 3 elements/],
    ['a non-number element', [{ ...good(), data: ['x', ...new Array(15).fill(0)] }], /'features', element 0/],
    ['no inputs', [], /missing input tensor 'features'/],
    ['a duplicate', [good(), good()], /'features' is given twice/],
  ];

  it.each(cases)('rejects %s as INVALID_INPUT naming the tensor', async (_label, inputs, message) => {
    const { manager: m } = manager();
    const runner = await m.ensureReady(onnxVersion(entry, fileArtifact(entry)));
    const error = await runner.infer(inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('INVALID_INPUT');
    expect((error as Error).message).toMatch(message);
  });

  it('stops waiting when the caller aborts', async () => {
    const { manager: m } = manager();
    const runner = await m.ensureReady(onnxVersion(entry, fileArtifact(entry)));
    await expect(runner.infer([good()], { signal: AbortSignal.abort() })).rejects.toThrow();
    expect((await runner.infer([good()]))[0]?.shape).toEqual([2, 20]);
  });
});

describe('release', () => {
  it('releases versions outside the retained set once idle, and keeps retained ones', async () => {
    const { manager: m } = manager({ idleReleaseMs: 100 });
    const kept = onnxVersion(demo('recs'), fileArtifact(demo('recs')));
    const dropped = onnxVersion(demo('conversion'), fileArtifact(demo('conversion')));
    await m.ensureReady(kept);
    const droppedRunner = await m.ensureReady(dropped);
    m.retain(new Set([kept.id]));
    expect(m.state(dropped.id).status).toBe('ready');
    await waitFor(() => m.state(dropped.id).status === 'absent', { message: 'idle release' });
    expect(m.state(kept.id).status).toBe('ready');
    await expect(droppedRunner.infer([featureTensor(demo('conversion'), 1)])).rejects.toThrow(/closed/);
    await expect(m.ensureReady(dropped)).resolves.toBeDefined();
  });

  it('close() releases everything and refuses new loads', async () => {
    const { manager: m } = manager();
    const version = onnxVersion(demo('recs'), fileArtifact(demo('recs')));
    const runner = await m.ensureReady(version);
    await m.close();
    expect(m.state(version.id)).toEqual({ status: 'absent' });
    await expect(runner.infer([featureTensor(demo('recs'), 1)])).rejects.toThrow(/closed/);
    await expect(m.ensureReady(version)).rejects.toThrow(/shutting down/);
  });
});
