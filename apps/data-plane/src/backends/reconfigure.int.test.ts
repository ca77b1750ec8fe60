import { createDb, type Database } from '@modelplane/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demo,
  directRun,
  featureTensor,
  fileArtifact,
  LOCAL_ACCESS,
  onnxVersion,
  recordingLogger,
  tempDir,
} from '../../test/backend-fixtures.ts';
import { createBackendManager } from './backend-manager.ts';
import type { BackendManager } from './types.ts';

// A version's serving options change through versions.update; the replica sees a new VersionConfig
// with the same id. Options read per request apply at once; worker threads need a new runner.

let database: Database;
let cache: Awaited<ReturnType<typeof tempDir>>;
let manager: BackendManager;
const logger = recordingLogger();

beforeAll(async () => {
  database = await createDb({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/unused' });
  cache = await tempDir('reconfigure');
  manager = createBackendManager({ db: database.db, cacheDir: cache.path, logger, ...LOCAL_ACCESS });
});

afterAll(async () => {
  await manager.close();
  await database.close();
  await cache.remove();
});

describe('reconfiguring a loaded version', () => {
  it('keeps the runner for per-request options, and swaps in worker threads once they are warm', async () => {
    const entry = demo('conversion');
    const v1 = onnxVersion(entry, fileArtifact(entry));
    const first = await manager.ensureReady(v1);
    const deadlineOnly = { ...v1, servingOptions: { deadlineMs: 250, maxInFlight: 3 } };
    expect(await manager.ensureReady(deadlineOnly)).toBe(first);

    const withWorkers = { ...v1, servingOptions: { workerThreads: 2 } };
    const swapping = manager.ensureReady(withWorkers);
    // Make before break: the old runner keeps serving while the workers start.
    const state = manager.state(v1.id);
    expect(state.status === 'ready' && state.runner).toBe(first);
    const second = await swapping;
    expect(second).not.toBe(first);
    const current = manager.state(v1.id);
    expect(current.status === 'ready' && current.runner).toBe(second);
    expect(logger.records.some((r) => r.msg === 'version reconfigured')).toBe(true);

    const outputs = await second.infer([featureTensor(entry, 5)]);
    const reference = await directRun(entry, 5);
    const probability = reference.probability?.data as Float32Array;
    expect(outputs[0]?.shape).toEqual([5, 1]);
    const values = (outputs[0]?.data ?? []) as number[];
    expect(values).toHaveLength(5);
    values.forEach((value, i) => {
      expect(value).toBeCloseTo(probability[i] ?? Number.NaN, 6);
    });
  });
});
