import { createHash } from 'node:crypto';
import { access, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDb, type Database, putArtifact } from '@modelplane/db';
import { createTestDatabase, type TestDatabase } from '@modelplane/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO,
  demo,
  directRun,
  featureTensor,
  fileArtifact,
  LOCAL_ACCESS,
  onnxVersion,
  recordingLogger,
  tempDir,
} from '../../test/backend-fixtures.ts';
import { cachedArtifactPath } from './artifact-cache.ts';
import { createBackendManager } from './backend-manager.ts';
import type { BackendManager, Tensor } from './types.ts';

let testDb: TestDatabase;
let database: Database;
let cache: Awaited<ReturnType<typeof tempDir>>;
let manager: BackendManager;
const logger = recordingLogger();

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  cache = await tempDir('onnx-cache');
  manager = createBackendManager({ db: database.db, cacheDir: cache.path, logger, ...LOCAL_ACCESS });
});
afterAll(async () => {
  await manager?.close();
  await database?.close();
  await testDb?.drop();
  await cache?.remove();
});

async function uploaded(file: string): Promise<{ uri: string; sha256: string }> {
  const stored = await putArtifact(database.db, await readFile(file), 'test');
  return { uri: `artifact://${stored.digest}`, sha256: stored.digest };
}

function expectClose(actual: Tensor | undefined, expected: ArrayLike<number>, dims: readonly number[]): void {
  expect(actual?.shape).toEqual([...dims]);
  const got = actual?.data as number[];
  expect(got).toHaveLength(expected.length);
  const worst = got.reduce((max, v, i) => Math.max(max, Math.abs(v - Number(expected[i]))), 0);
  expect(worst).toBeLessThanOrEqual(1e-6);
}

describe.each(['file', 'artifact'] as const)('demo models via %s://', (scheme) => {
  // Each scheme starts from an empty cache, so artifact:// really reads through the database.
  let own: Awaited<ReturnType<typeof tempDir>>;
  let manager: BackendManager;
  beforeAll(async () => {
    own = await tempDir(`demo-${scheme}`);
    manager = createBackendManager({ db: database.db, cacheDir: own.path, logger, ...LOCAL_ACCESS });
  });
  afterAll(async () => {
    await manager.close();
    await own.remove();
  });

  for (const entry of DEMO) {
    it(`${entry.model}@${entry.version} returns what onnxruntime returns for the same file`, async () => {
      const artifact = scheme === 'file' ? fileArtifact(entry) : await uploaded(entry.file);
      expect(artifact.sha256).toBe(entry.sha256);
      const version = onnxVersion(entry, artifact);
      const runner = await manager.ensureReady(version);
      expect(manager.state(version.id).status).toBe('ready');
      expect(runner.inputs).toEqual(entry.inputs);
      expect(runner.outputs).toEqual(entry.outputs);

      const outputs = await runner.infer([featureTensor(entry, 5)]);
      const reference = await directRun(entry, 5);
      expect(outputs.map((o) => o.name)).toEqual(entry.outputs.map((o) => o.name));
      for (const spec of entry.outputs) {
        const expected = reference[spec.name];
        if (!expected) throw new Error(`reference run has no ${spec.name}`);
        const actual = outputs.find((o) => o.name === spec.name);
        expect(actual?.datatype).toBe(spec.datatype);
        expectClose(actual, Array.from(expected.data as ArrayLike<number | bigint>, Number), expected.dims);
      }
    });
  }
});

describe('recs INT64 output', () => {
  it('comes back as exact JS numbers equal to the direct run', async () => {
    const entry = demo('recs');
    const runner = await manager.ensureReady(onnxVersion(entry, fileArtifact(entry)));
    const [, topItems] = await runner.infer([featureTensor(entry, 3)]);
    const reference = (await directRun(entry, 3)).top_items;
    expect(reference?.type).toBe('int64');
    expect(topItems?.datatype).toBe('INT64');
    expect(topItems?.data.every((v) => typeof v === 'number' && Number.isInteger(v))).toBe(true);
    expect(topItems?.data).toEqual(Array.from(reference?.data as BigInt64Array, Number));
  });
});

// A verified copy in the cache is served by digest whatever its source says now, so these tests start
// from an empty cache to make the tampered bytes the only copy.
describe('artifact integrity', () => {
  let fresh: Awaited<ReturnType<typeof tempDir>>;
  let manager: BackendManager;
  beforeAll(async () => {
    fresh = await tempDir('integrity');
    manager = createBackendManager({ db: database.db, cacheDir: fresh.path, logger, ...LOCAL_ACCESS });
  });
  afterAll(async () => {
    await manager.close();
    await fresh.remove();
  });

  it('refuses a file:// artifact with one byte flipped, and keeps serving other versions', async () => {
    const entry = demo('conversion');
    const tampered = join(fresh.path, 'tampered.onnx');
    const bytes = await readFile(entry.file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    await writeFile(tampered, bytes);
    const version = onnxVersion(entry, { uri: pathToFileURL(tampered).href, sha256: entry.sha256 });

    const error = await manager.ensureReady(version).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(version.ref);
    // Viewers see the registered digest only; the digest of what the URI held goes to the log.
    const actual = createHash('sha256').update(bytes).digest('hex');
    expect((error as Error).message).toContain(
      `failed sha256 verification (registered sha256 ${entry.sha256})`,
    );
    expect((error as Error).message).not.toContain(actual);
    expect(logger.records.some((r) => 'actualSha256' in r.obj && r.obj.actualSha256 === actual)).toBe(true);
    const state = manager.state(version.id);
    expect(state.status).toBe('failed');
    expect(state.status === 'failed' && state.error).toContain('sha256');
    const alert = logger.records.find((r) => 'alert' in r.obj && r.obj.alert === 'artifact_integrity');
    expect(alert?.obj).toMatchObject({
      expectedSha256: entry.sha256,
      actualSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const healthy = onnxVersion(entry, fileArtifact(entry));
    await expect(manager.ensureReady(healthy)).resolves.toBeDefined();
    expect(manager.state(healthy.id).status).toBe('ready');
    expect(manager.state(version.id).status).toBe('failed');
  });

  it('refuses an artifact:// whose stored chunk was altered, caching nothing', async () => {
    const entry = demo('recs', '2.0.0');
    const stored = await putArtifact(database.db, await readFile(entry.file), 'test');
    await sql`update artifact_chunks set data = overlay(data placing '\\x00'::bytea from 20 for 1)
              where digest = ${stored.digest} and seq = 0`.execute(database.db);
    const version = onnxVersion(entry, { uri: `artifact://${stored.digest}`, sha256: stored.digest });
    await expect(manager.ensureReady(version)).rejects.toThrow(/failed sha256 verification/);
    expect(manager.state(version.id).status).toBe('failed');
    await expect(access(cachedArtifactPath(fresh.path, stored.digest))).rejects.toThrow();
  });
});

describe('disk cache', () => {
  it('loads artifact:// versions from the cache when the database is unreachable', async () => {
    const entry = demo('heavy-mlp');
    const artifact = await uploaded(entry.file);
    await manager.ensureReady(onnxVersion(entry, artifact));
    await expect(access(cachedArtifactPath(cache.path, entry.sha256))).resolves.toBeUndefined();

    const closed = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
    await closed.close();
    const offline = createBackendManager({
      db: closed.db,
      cacheDir: cache.path,
      logger: recordingLogger(),
      ...LOCAL_ACCESS,
    });
    try {
      const runner = await offline.ensureReady(onnxVersion(entry, artifact));
      expect((await runner.infer([featureTensor(entry, 1)]))[0]?.shape).toEqual([1, 16]);
      // The database really is gone: an artifact that was never cached cannot load.
      const uncached = onnxVersion(demo('recs'), {
        uri: `artifact://${'a'.repeat(64)}`,
        sha256: 'a'.repeat(64),
      });
      await expect(offline.ensureReady(uncached)).rejects.toThrow(/fetching the artifact/);
    } finally {
      await offline.close();
    }
  });

  it('replaces a corrupted cache file by fetching again', async () => {
    const entry = demo('conversion');
    const artifact = await uploaded(entry.file);
    await manager.ensureReady(onnxVersion(entry, artifact));
    const path = cachedArtifactPath(cache.path, entry.sha256);
    await writeFile(path, 'garbage');
    await expect(manager.ensureReady(onnxVersion(entry, artifact))).resolves.toBeDefined();
    const copy = join(cache.path, 'copy.onnx');
    await copyFile(path, copy);
    expect((await readFile(copy)).equals(await readFile(entry.file))).toBe(true);
  });
});
