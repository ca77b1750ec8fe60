import { type HeartbeatInput, upsertHeartbeat } from '@modelplane/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { type Harness, seedModel, startControlPlane } from './harness.ts';

let cp: Harness;
beforeAll(async () => {
  cp = await startControlPlane();
  await seedModel(cp.admin, 'rep', ['1', '2']);
  await cp.admin.traffic.promote.mutate({ model: 'rep', version: '1' });
  await cp.admin.traffic.canary.mutate({ model: 'rep', version: '2', weight: 1000 });
});
afterAll(async () => {
  await cp?.close();
});

const at = (revision: number | null, generation: number) => ({
  rep: { revision, generation, appliedAt: new Date().toISOString() },
});

async function beat(replicaId: string, fields: Partial<HeartbeatInput> = {}): Promise<void> {
  await upsertHeartbeat(cp.deps.db, {
    replicaId,
    hostname: `${replicaId}.local`,
    startedAt: new Date(),
    applied: {},
    versionErrors: {},
    lastError: null,
    ...fields,
  });
}

/** Dates the active revision and the model's last change `secondsAgo` in the past (database clock). */
async function ageChanges(secondsAgo: number): Promise<void> {
  const interval = sql`make_interval(secs => ${secondsAgo}::double precision)`;
  await sql`UPDATE routing_revisions SET created_at = now() - ${interval}`.execute(cp.deps.db);
  await sql`UPDATE models SET updated_at = now() - ${interval}`.execute(cp.deps.db);
}

const byId = async () =>
  Object.fromEntries(
    (await cp.admin.traffic.get.query({ model: 'rep' })).replicas.map((r) => [r.replicaId, r]),
  );

describe('traffic.get replicas', () => {
  it('keeps the existing fields and lists only live replicas with their state', async () => {
    const { configGeneration: g } = await cp.admin.traffic.get.query({ model: 'rep' });
    await beat('r-sync', { applied: at(2, g) });
    await beat('r-behind', { applied: at(1, g - 1) });
    await beat('r-empty');
    await beat('r-rejected', {
      applied: {
        rep: { ...at(1, g - 1).rep, rejected: { revision: 2, generation: g, reason: 'bucket map' } },
      },
      versionErrors: { 'rep@2': 'sha256 mismatch', 'other@1': 'not ours' },
      lastError: 'reload of model rep failed: timeout',
    });
    await beat('r-gone', { applied: at(2, g) });
    await sql`UPDATE replica_heartbeats SET last_seen_at = now() - interval '20 seconds'
              WHERE replica_id = 'r-gone'`.execute(cp.deps.db);

    // Just changed: lagging replicas are pending within their grace period; a refusal fails at once.
    const fresh = await cp.admin.traffic.get.query({ model: 'rep' });
    expect(fresh.model).toBe('rep');
    expect(fresh.revision?.revision).toBe(2);
    expect(fresh.versions).toEqual([
      { version: '1', status: 'production' },
      { version: '2', status: 'canary' },
    ]);
    expect(fresh.replicas.map((r) => [r.replicaId, r.state, r.reason])).toEqual([
      ['r-behind', 'pending', 'at revision 1, not 2'],
      ['r-empty', 'pending', 'has not applied revision 2'],
      ['r-rejected', 'failed', 'rejected revision 2: bucket map; rep@2: sha256 mismatch'],
      ['r-sync', 'in-sync', null],
    ]);

    await ageChanges(60);
    const replicas = await byId();
    expect(replicas['r-sync']).toMatchObject({
      hostname: 'r-sync.local',
      appliedRevision: 2,
      appliedGeneration: g,
      state: 'in-sync',
      rejectedRevision: null,
      versionErrors: {},
      lastError: null,
    });
    expect(replicas['r-behind']).toMatchObject({ appliedRevision: 1, state: 'stale' });
    expect(replicas['r-empty']).toMatchObject({ appliedRevision: null, appliedAt: null, state: 'stale' });
    expect(replicas['r-rejected']).toMatchObject({
      appliedRevision: 1,
      state: 'failed',
      rejectedRevision: 2,
      versionErrors: { 'rep@2': 'sha256 mismatch' },
      lastError: 'reload of model rep failed: timeout',
    });
    expect(replicas['r-gone']).toBeUndefined();
  });

  it('counts a generation lag as pending, then stale, even when the revision matches', async () => {
    await cp.admin.versions.update.mutate({
      model: 'rep',
      version: '2',
      servingOptions: { deadlineMs: 900 },
    });
    const { configGeneration: g, revision } = await cp.admin.traffic.get.query({ model: 'rep' });
    await beat('r-sync', { applied: at(revision!.revision, g - 1) });
    await beat('r-current', { applied: at(revision!.revision, g) });
    expect((await byId())['r-sync']?.state).toBe('pending');
    await ageChanges(60);
    const replicas = await byId();
    expect(replicas['r-sync']?.state).toBe('stale');
    expect(replicas['r-current']?.state).toBe('in-sync');
  });
});

describe('traffic.status', () => {
  const status = (revision?: number) =>
    cp.admin.traffic.status.query({ model: 'roll', ...(revision !== undefined && { revision }) });
  const states = async (revision?: number) => {
    const s = await status(revision);
    return [s.state, s.replicas.map((r) => [r.replicaId, r.state, r.appliedRevision, r.reason])];
  };
  const applied = (revision: number | null, generation: number, extra = {}) => ({
    roll: { revision, generation, appliedAt: new Date().toISOString(), ...extra },
  });

  it('follows a rollout from progressing to complete, and fails on a version that does not load', async () => {
    await seedModel(cp.admin, 'roll', ['1', '2']);
    await cp.admin.traffic.promote.mutate({ model: 'roll', version: '1' });
    // Only this test's replicas: the rows above belong to other models' checks.
    await sql`DELETE FROM replica_heartbeats`.execute(cp.deps.db);
    expect(await states()).toEqual(['complete', []]);

    const g1 = (await cp.admin.traffic.get.query({ model: 'roll' })).configGeneration;
    await beat('a', { applied: applied(1, g1) });
    await beat('b', {
      applied: applied(null, 0, { applying: { revision: 1, generation: g1, loading: ['roll@1'] } }),
    });
    expect(await states()).toEqual([
      'progressing',
      [
        ['a', 'in-sync', 1, null],
        ['b', 'pending', null, 'loading roll@1'],
      ],
    ]);
    const shown = await cp.admin.traffic.get.query({ model: 'roll' });
    expect(shown.replicas.find((r) => r.replicaId === 'b')).toMatchObject({
      state: 'pending',
      appliedRevision: null,
      loading: ['roll@1'],
    });

    await beat('b', { applied: applied(1, g1) });
    expect(await states()).toEqual([
      'complete',
      [
        ['a', 'in-sync', 1, null],
        ['b', 'in-sync', 1, null],
      ],
    ]);

    const canary = await cp.admin.traffic.canary.mutate({ model: 'roll', version: '2', weight: 1000 });
    const g2 = (await cp.admin.traffic.get.query({ model: 'roll' })).configGeneration;
    await beat('a', { applied: applied(1, g1), versionErrors: { 'roll@2': 'sha256 mismatch' } });
    await beat('b', { applied: applied(canary.revision, g2) });
    const failed = await status();
    expect(failed).toMatchObject({
      model: 'roll',
      revision: canary.revision,
      activeRevision: canary.revision,
    });
    expect(await states()).toEqual([
      'failed',
      [
        ['a', 'failed', 1, 'roll@2: sha256 mismatch'],
        ['b', 'in-sync', canary.revision, null],
      ],
    ]);
    // The earlier revision reached both; a later config does not count against it.
    expect(await status(1)).toMatchObject({
      revision: 1,
      activeRevision: canary.revision,
      state: 'complete',
    });
  });

  it('names what is missing with NOT_FOUND and a bad revision with BAD_REQUEST', async () => {
    await expect(status(99)).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: 'revision 99 of roll not found',
    });
    await expect(cp.admin.traffic.status.query({ model: 'nope' })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: 'model nope not found',
    });
    await seedModel(cp.admin, 'idle', ['1']);
    await expect(cp.admin.traffic.status.query({ model: 'idle' })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: 'model idle has no traffic yet',
    });
    await expect(status(0)).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/revision/),
    });
  });
});

describe('replica configuration', () => {
  const base = { DATABASE_URL: 'postgres://x@127.0.0.1/db', MODELPLANE_ADMIN_TOKEN: 'a'.repeat(32) };
  it('defaults to 30 s stale and a 15 s live window, and names a bad variable', () => {
    expect(parseConfig(base)).toMatchObject({ REPLICA_STALE_AFTER_MS: 30000, REPLICA_LIVE_WINDOW_MS: 15000 });
    expect(parseConfig({ ...base, REPLICA_STALE_AFTER_MS: '2000' }).REPLICA_STALE_AFTER_MS).toBe(2000);
    expect(() => parseConfig({ ...base, REPLICA_LIVE_WINDOW_MS: 'soon' })).toThrow(/REPLICA_LIVE_WINDOW_MS/);
  });
});
