import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBucketMap, deriveBucketMap, encodeBucketMap, route } from '@modelplane/router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSnapshotFile, SNAPSHOT_FILE, writeSnapshotFile } from './snapshot-file.ts';
import type { ModelTable, RoutingSnapshot, VersionConfig } from './types.ts';

const v = (id: string): VersionConfig => ({
  id,
  model: 'fraud',
  version: id.replace('mv_', ''),
  ref: `fraud@${id.replace('mv_', '')}`,
  backend: { kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: id },
  artifact: { uri: 'artifact://x', sha256: 'a'.repeat(64) },
  inputSchema: { type: 'object' },
  outputSchema: null,
  servingOptions: { deadlineMs: 500 },
});

function snapshot(): RoutingSnapshot {
  const weights = [
    { versionId: 'mv_1', weight: 9000 },
    { versionId: 'mv_2', weight: 1000 },
  ];
  const map = decodeBucketMap(['mv_1', 'mv_2'], encodeBucketMap(deriveBucketMap(null, weights)));
  const versions = new Map([v('mv_1'), v('mv_2'), v('mv_3')].map((x) => [x.id, x]));
  const table: ModelTable = {
    name: 'fraud',
    generation: 7,
    cacheGeneration: 2,
    cache: { enabled: true, ttlSeconds: 60 },
    revision: {
      number: 3,
      salt: 'salt-1',
      map,
      weights,
      baselineVersionId: 'mv_1',
      createdAt: '2024-01-01T00:00:00.000Z',
    },
    versions,
    versionsByLabel: new Map([...versions.values()].map((x) => [x.version, x])),
  };
  return {
    models: new Map([['fraud', table]]),
    tokenHashes: new Set(['b'.repeat(64)]),
    tokenQuotas: new Map([['b'.repeat(64), { name: 'checkout', ratePerSecond: 50, burst: 100 }]]),
    tokenGeneration: 5,
    source: 'database',
    loadedAt: Date.now(),
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-snapshot-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the disk snapshot', () => {
  it('round-trips: the same routes, versions and tokens, and no temp file left behind', async () => {
    const original = snapshot();
    await writeSnapshotFile(join(dir, 'nested'), original);
    expect(await readdir(join(dir, 'nested'))).toEqual([SNAPSHOT_FILE]);
    expect((await stat(join(dir, 'nested', SNAPSHOT_FILE))).mode & 0o777).toBe(0o600);
    const back = await readSnapshotFile(join(dir, 'nested'));
    expect(back?.invalid).toEqual([]);
    const table = back?.tables[0];
    const before = original.models.get('fraud')!;
    expect(table?.generation).toBe(7);
    expect(table?.versionsByLabel.get('3')).toEqual(v('mv_3'));
    expect([...(back?.tokenHashes ?? [])]).toEqual(['b'.repeat(64)]);
    expect([...(back?.tokenQuotas ?? [])]).toEqual([
      ['b'.repeat(64), { name: 'checkout', ratePerSecond: 50, burst: 100 }],
    ]);
    for (let i = 0; i < 500; i++) {
      const key = `user-${i}`;
      expect(route(table!.revision!.map, 'salt-1', key)).toBe(route(before.revision!.map, 'salt-1', key));
    }
  });

  it('is null when there is none, and a file that is not a snapshot throws', async () => {
    expect(await readSnapshotFile(dir)).toBeNull();
    await writeFile(join(dir, SNAPSHOT_FILE), '{"v":1,"models":"nope"}');
    await expect(readSnapshotFile(dir)).rejects.toThrow();
  });

  it('validates every revision again: a tampered bucket map is dropped, not served', async () => {
    await writeSnapshotFile(dir, snapshot());
    const file = JSON.parse(await readFile(join(dir, SNAPSHOT_FILE), 'utf8'));
    const bytes = Buffer.from(file.models[0].revision.bucketMap, 'base64');
    bytes[bytes.indexOf(0)] = 1;
    file.models[0].revision.bucketMap = bytes.toString('base64');
    await writeFile(join(dir, SNAPSHOT_FILE), JSON.stringify(file));
    const back = await readSnapshotFile(dir);
    expect(back?.tables).toEqual([]);
    expect(back?.invalid[0]?.reason).toMatch(/bucket map does not match/);
  });
});
