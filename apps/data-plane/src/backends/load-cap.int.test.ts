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
import { BackendStats } from './stats.ts';
import type { BackendManager } from './types.ts';

// file:// artifacts only; the database is never reached.
let database: Database;
let cache: Awaited<ReturnType<typeof tempDir>>;
const managers: BackendManager[] = [];
const conversion = demo('conversion');
const ROWS = 3;
let expected: number[];

beforeAll(async () => {
  database = await createDb({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/unused' });
  cache = await tempDir('load-cap');
  expected = Array.from((await directRun(conversion, ROWS)).probability?.data as Float32Array);
});
afterAll(async () => {
  for (const manager of managers) await manager.close();
  await database.close();
  await cache.remove();
});

function manager(maxLoadedVersions: number) {
  const stats = new BackendStats();
  const logger = recordingLogger();
  const created = createBackendManager({
    db: database.db,
    cacheDir: cache.path,
    logger,
    stats,
    maxLoadedVersions,
    ...LOCAL_ACCESS,
  });
  managers.push(created);
  const loaded = () => stats.loaded().routed + stats.loaded().onDemand;
  return { manager: created, stats, logger, loaded };
}

async function answer(m: BackendManager, version: ReturnType<typeof onnxVersion>): Promise<number[]> {
  const runner = await m.ensureReady(version);
  const [out] = await runner.infer([featureTensor(conversion, ROWS)]);
  return out?.data as number[];
}

function expectReference(actual: number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, v] of actual.entries())
    expect(Math.abs(v - (expected[i] as number))).toBeLessThanOrEqual(1e-6);
}

describe('MAX_LOADED_VERSIONS', () => {
  it('keeps a caller cycling pins over 8 versions within the cap plus the routed version, answering every request', async () => {
    const { manager: m, stats, loaded } = manager(3);
    const versions = Array.from({ length: 8 }, () => onnxVersion(conversion, fileArtifact(conversion)));
    const routed = versions[0] as (typeof versions)[number];
    m.retain(new Set([routed.id]));
    await m.ensureReady(routed);
    let peak = 0;
    for (let round = 0; round < 3; round++) {
      for (const version of versions) {
        expectReference(await answer(m, version));
        peak = Math.max(peak, loaded());
      }
    }
    expect(peak).toBeLessThanOrEqual(3 + 1);
    expect(stats.loaded().routed).toBe(1);
    // The routed version was never evicted, however long ago it was last used.
    expect(m.state(routed.id).status).toBe('ready');
    // 7 pinned versions through 2 free slots, 3 rounds: every load after the first two evicts.
    expect(stats.counters.evictions).toBeGreaterThanOrEqual(7 * 3 - 2);
  });

  it('evicts least recently used first', async () => {
    const { manager: m } = manager(2);
    const [a, b, c] = Array.from({ length: 3 }, () => onnxVersion(conversion, fileArtifact(conversion)));
    if (!a || !b || !c) throw new Error('unreachable');
    await answer(m, a);
    await answer(m, b);
    await new Promise((r) => setTimeout(r, 5));
    await answer(m, a); // a is now more recent than b
    await answer(m, c);
    expect([m.state(a.id).status, m.state(b.id).status, m.state(c.id).status]).toEqual([
      'ready',
      'absent',
      'ready',
    ]);
  });

  it('still answers a caller that acquired a runner just before it was evicted', async () => {
    const { manager: m, logger } = manager(1);
    const [held, other] = Array.from({ length: 2 }, () => onnxVersion(conversion, fileArtifact(conversion)));
    if (!held || !other) throw new Error('unreachable');
    const runner = await m.ensureReady(held);
    await m.ensureReady(other);
    expect(m.state(held.id).status).toBe('absent');
    expect(logger.records.some((r) => r.msg === 'evicting least recently used version')).toBe(true);
    const [out] = await runner.infer([featureTensor(conversion, ROWS)]);
    expectReference(out?.data as number[]);
  });
});
