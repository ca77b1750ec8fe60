import { startTcpProxy, type TcpProxy, testRedisUrl, waitFor } from '@modelplane/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedModel, startTestControlPlane, type TestControlPlane } from './test-support/control-plane.ts';
import { FakeBackends } from './test-support/fake-backends.ts';
import { startReplica, type TestReplica } from './test-support/replica.ts';

let cp: TestControlPlane;
let redisProxy: TcpProxy;
let cutOff: TestReplica;
let healthy: TestReplica;

beforeAll(async () => {
  cp = await startTestControlPlane({ env: { REPLICA_STALE_AFTER_MS: '2000' } });
  const redis = new URL(testRedisUrl());
  redisProxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
  await seedModel(cp.admin, 'hb', ['1', '2']);
  await seedModel(cp.admin, 'hbv', ['1', '2']);
  await cp.admin.traffic.promote.mutate({ model: 'hb', version: '1' });
  await cp.admin.traffic.promote.mutate({ model: 'hbv', version: '1' });
  // Polls only once a minute: while its Redis is cut it cannot learn about changes.
  cutOff = await startReplica(cp, {
    redisUrl: redisProxy.rewriteUrl(cp.redisUrl),
    reconcileIntervalMs: 60_000,
    replicaId: 'replica-cut',
    hostname: 'host-a',
  });
  const backends = new FakeBackends();
  backends.failures.set('hbv@2', 'remote endpoint refused the connection');
  healthy = await startReplica(cp, { backends, replicaId: 'replica-ok', hostname: 'host-b' });
});
afterAll(async () => {
  await cutOff?.close();
  await healthy?.close();
  await redisProxy?.close();
  await cp?.close();
});

const replicasOf = async (model: string) =>
  Object.fromEntries((await cp.admin.traffic.get.query({ model })).replicas.map((r) => [r.replicaId, r]));

describe('heartbeats and traffic.get replicas', () => {
  it('writes one heartbeat row per replica and shows both in sync', async () => {
    const rows = await waitFor(async () => {
      const { rows } = await sql<{ replica_id: string; hostname: string }>`
        SELECT replica_id, hostname FROM replica_heartbeats ORDER BY replica_id`.execute(cp.database.db);
      return rows.length === 2 && rows;
    });
    expect(rows).toEqual([
      { replica_id: 'replica-cut', hostname: 'host-a' },
      { replica_id: 'replica-ok', hostname: 'host-b' },
    ]);
    const view = await cp.admin.traffic.get.query({ model: 'hb' });
    expect(view.revision?.revision).toBe(1);
    expect(view.versions.map((v) => v.version)).toEqual(['1', '2']);
    expect(view.replicas).toHaveLength(2);
    for (const r of view.replicas) {
      expect(r).toMatchObject({ appliedRevision: 1, state: 'in-sync', versionErrors: {}, lastError: null });
      expect(Date.parse(r.lastSeenAt)).toBeGreaterThan(Date.now() - 5000);
      expect(Date.parse(r.appliedAt!)).toBeLessThanOrEqual(Date.parse(r.lastSeenAt) + 1000);
    }
  });

  it('shows a replica that cannot load a version, with the reason, for that model only', async () => {
    await cp.admin.traffic.canary.mutate({ model: 'hbv', version: '2', weight: 1000 });
    await waitFor(async () => (await replicasOf('hbv'))['replica-ok']?.versionErrors['hbv@2'], {
      timeoutMs: 3000,
    });
    const hbv = await replicasOf('hbv');
    expect(hbv['replica-ok']).toMatchObject({ appliedRevision: 1, state: 'failed' });
    expect(hbv['replica-ok']?.versionErrors['hbv@2']).toMatch(/refused/);
    expect(hbv['replica-ok']?.reason).toBe(`hbv@2: ${hbv['replica-ok']?.versionErrors['hbv@2']}`);
    expect((await replicasOf('hb'))['replica-ok']?.versionErrors).toEqual({});
  });

  it('marks a replica whose Redis is cut stale once it lags too long, and in sync after restore', async () => {
    redisProxy.cut();
    await cp.admin.traffic.canary.mutate({ model: 'hb', version: '2', weight: 2000 });
    await waitFor(async () => (await replicasOf('hb'))['replica-ok']?.appliedRevision === 2, {
      timeoutMs: 3000,
    });
    const early = await replicasOf('hb');
    // Behind, within REPLICA_STALE_AFTER_MS: pending, never in sync.
    expect(early['replica-cut']).toMatchObject({ appliedRevision: 1, state: 'pending' });

    await waitFor(async () => (await replicasOf('hb'))['replica-cut']?.state === 'stale', {
      timeoutMs: 5000,
      message: 'the cut-off replica shown stale',
    });
    const lagging = await replicasOf('hb');
    expect(lagging['replica-cut']?.appliedRevision).toBe(1);
    expect(lagging['replica-ok']?.state).toBe('in-sync');

    redisProxy.restore();
    await waitFor(
      async () => {
        const r = (await replicasOf('hb'))['replica-cut'];
        return r?.state === 'in-sync' && r.appliedRevision === 2;
      },
      { timeoutMs: 8000, message: 'in sync again after the reconnect' },
    );
  });
});
