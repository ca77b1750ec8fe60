import { setTimeout as sleep } from 'node:timers/promises';
import {
  bumpConfigGeneration,
  findModelByName,
  findRevision,
  insertRevision,
  listVersions,
} from '@modelplane/db';
import { route } from '@modelplane/router';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedModel, startTestControlPlane, type TestControlPlane } from './test-support/control-plane.ts';
import { FakeBackends } from './test-support/fake-backends.ts';
import { startReplica, storedRevision, type TestReplica } from './test-support/replica.ts';

let cp: TestControlPlane;
const replicas: TestReplica[] = [];
beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(async () => {
  for (const r of replicas) await r.close();
  await cp?.close();
});

const revisionOf = (r: TestReplica, model: string) => r.state.snapshot()?.models.get(model)?.revision?.number;

type Corruption = (
  active: {
    weights: Array<{ versionId: string; weight: number }>;
    bucket_map: Uint8Array;
    baseline_version_id: string;
  },
  ids: Record<string, string>,
) => {
  weights?: Array<{ versionId: string; weight: number }>;
  bucketMap?: Uint8Array;
  baselineVersionId?: string;
};

/**
 * Writes a new active revision straight into Postgres (as a buggy or compromised control plane
 * might), bumps the generation and announces it like the control plane does.
 */
async function activateCorrupt(model: string, corrupt: Corruption): Promise<number> {
  const db = cp.database.db;
  const m = (await findModelByName(db, model))!;
  const active = (await findRevision(db, m.id, m.active_revision!))!;
  const ids = Object.fromEntries((await listVersions(db, m.id)).map((v) => [v.version, v.id]));
  const change = corrupt(active, ids);
  const generation = await db.transaction().execute(async (tx) => {
    await insertRevision(tx, {
      modelId: m.id,
      revision: active.revision + 1,
      action: 'set',
      weights: change.weights ?? active.weights,
      baselineVersionId: change.baselineVersionId ?? active.baseline_version_id,
      salt: active.salt,
      bucketMap: change.bucketMap ?? active.bucket_map,
      derivedFrom: active.revision,
      restoresRevision: null,
      createdBy: 'test',
    });
    return bumpConfigGeneration(tx, m.id, { activeRevision: active.revision + 1 });
  });
  await cp.deps.bus.publish({ v: 1, kind: 'model', model, generation });
  return active.revision + 1;
}

function movedBucket(map: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(map);
  bytes[bytes.indexOf(0)] = 1;
  return bytes;
}

describe('validate before apply', () => {
  const corruptions: Array<[string, Corruption, RegExp]> = [
    [
      'a bucket map that does not match its weights',
      (a) => ({ bucketMap: movedBucket(a.bucket_map) }),
      /bucket map/,
    ],
    [
      'weights naming an unknown version',
      (a) => ({ weights: a.weights.map((w, i) => (i === 1 ? { ...w, versionId: 'mv_gone' } : w)) }),
      /mv_gone, which is unknown or archived/,
    ],
    ['a baseline without weight', (_a, ids) => ({ baselineVersionId: ids.c }), /carries no traffic/],
    [
      'weights naming an archived version',
      (a, ids) => ({ weights: a.weights.map((w, i) => (i === 1 ? { ...w, versionId: ids.d! } : w)) }),
      /unknown or archived/,
    ],
  ];

  it.each(corruptions)(
    'rejects %s, counts it once and keeps serving the last good table',
    async (_n, corrupt, why) => {
      const model = `bad-${corruptions.findIndex((c) => c[1] === corrupt)}`;
      await seedModel(cp.admin, model, ['a', 'b', 'c', 'd']);
      await cp.admin.versions.archive.mutate({ model, version: 'd' });
      await cp.admin.traffic.set.mutate({
        model,
        weights: [
          { version: 'a', weight: 7000 },
          { version: 'b', weight: 3000 },
        ],
      });
      const r = await startReplica(cp, { reconcileIntervalMs: 200 });
      replicas.push(r);
      const good = r.state.snapshot()!.models.get(model)!;
      const rejected = r.state.stats.rejectedRevisions;

      const bad = await activateCorrupt(model, corrupt);
      await waitFor(() => r.state.stats.rejectedRevisions === rejected + 1, { timeoutMs: 2000 });
      expect(r.state.report.rejections.get(model)).toMatchObject({
        revision: bad,
        reason: expect.stringMatching(why),
      });
      await sleep(700); // several reconcile rounds see the same bad generation
      expect(r.state.stats.rejectedRevisions).toBe(rejected + 1);
      expect(r.state.snapshot()!.models.get(model)).toBe(good);

      // A valid change afterwards applies and clears the rejection.
      await cp.admin.traffic.set.mutate({ model, weights: [{ version: 'a', weight: 10000 }], baseline: 'a' });
      await waitFor(() => revisionOf(r, model) === bad + 1, { timeoutMs: 2000 });
      expect(r.state.report.rejections.has(model)).toBe(false);
    },
  );
});

describe('make before break', () => {
  it('keeps the old table until the new version is warm, without holding up other models', async () => {
    await seedModel(cp.admin, 'mbb', ['1', '2', '3']);
    await seedModel(cp.admin, 'other', ['1', '2']);
    await cp.admin.traffic.promote.mutate({ model: 'mbb', version: '1' });
    await cp.admin.traffic.promote.mutate({ model: 'other', version: '1' });
    const backends = new FakeBackends();
    backends.delays.set('mbb@2', 2000);
    const r = await startReplica(cp, { backends, reconcileIntervalMs: 300 });
    replicas.push(r);
    const v1 = r.state.snapshot()!.models.get('mbb')!.versionsByLabel.get('1')!.id;

    const started = Date.now();
    await cp.admin.traffic.canary.mutate({ model: 'mbb', version: '2', weight: 5000 });
    await cp.admin.traffic.canary.mutate({ model: 'other', version: '2', weight: 5000 });
    await waitFor(() => revisionOf(r, 'other') === 2, {
      timeoutMs: 1000,
      message: 'other model not blocked',
    });
    await sleep(1000 - (Date.now() - started));
    const during = r.state.snapshot()!.models.get('mbb')!;
    expect(during.revision!.number).toBe(1);
    for (let i = 0; i < 200; i++)
      expect(route(during.revision!.map, during.revision!.salt, `k${i}`)).toBe(v1);

    await waitFor(() => revisionOf(r, 'mbb') === 2, { timeoutMs: 4000, message: 'mbb at revision 2' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect((await storedRevision(cp, 'mbb')).revision).toBe(2);
  });

  it('keeps the last good table while a version fails to load, reports why, and retries', async () => {
    const backends = new FakeBackends();
    backends.failures.set('mbb@3', 'artifact sha256 mismatch');
    const r = await startReplica(cp, { backends, reconcileIntervalMs: 200 });
    replicas.push(r);
    const held = r.state.snapshot()!.models.get('mbb')!;
    await cp.admin.traffic.canary.mutate({ model: 'mbb', version: '3', weight: 1000 });
    await waitFor(() => r.state.report.versionErrors.get('mbb@3'), { timeoutMs: 2000 });
    expect(r.state.report.versionErrors.get('mbb@3')).toMatch(/sha256 mismatch/);
    // Routing is the held table's; the table now also says why the newer one is not applied.
    const during = r.state.snapshot()!.models.get('mbb')!;
    expect([during.generation, during.revision, during.versions]).toEqual([
      held.generation,
      held.revision,
      held.versions,
    ]);
    expect(during.revision).toBe(held.revision);
    expect(during.loadFailure?.failures).toEqual([{ ref: 'mbb@3', reason: 'artifact sha256 mismatch' }]);

    backends.failures.delete('mbb@3');
    await waitFor(() => revisionOf(r, 'mbb') === held.revision!.number + 1, { timeoutMs: 2000 });
    expect(r.state.report.versionErrors.has('mbb@3')).toBe(false);
  });
});
