import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisBus } from '@modelplane/bus';
import { route } from '@modelplane/router';
import {
  type PrivateRedis,
  startRedisServer,
  startTcpProxy,
  type TcpProxy,
  waitFor,
} from '@modelplane/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_FILE } from './snapshot-file.ts';
import { seedModel, startTestControlPlane, type TestControlPlane } from './test-support/control-plane.ts';
import { startReplica, storedRevision, type TestReplica } from './test-support/replica.ts';

const replicas: TestReplica[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of replicas.splice(0)) await r.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const revisionOf = (r: TestReplica, model: string) => r.state.snapshot()?.models.get(model)?.revision?.number;

describe('a Redis restart', () => {
  let redis: PrivateRedis;
  let cp: TestControlPlane;
  beforeAll(async () => {
    redis = await startRedisServer();
    cp = await startTestControlPlane({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await cp?.close();
    await redis?.stop();
  });

  it('triggers a full reconcile on reconnect that picks up changes made while it was down', async () => {
    await seedModel(cp.admin, 'rc', ['1', '2']);
    await cp.admin.traffic.promote.mutate({ model: 'rc', version: '1' });
    // The loop would take a minute: only the reconnect can explain a quick catch-up.
    const r = await startReplica(cp, { reconcileIntervalMs: 60_000 });
    replicas.push(r);

    await redis.stop();
    await cp.admin.traffic.canary.mutate({ model: 'rc', version: '2', weight: 2000 });
    await seedModel(cp.admin, 'rc-new', ['1']);
    await cp.admin.traffic.promote.mutate({ model: 'rc-new', version: '1' });
    await sleep(300);
    expect(revisionOf(r, 'rc')).toBe(1);

    await redis.restart();
    await waitFor(() => revisionOf(r, 'rc') === 2 && revisionOf(r, 'rc-new') === 1, {
      timeoutMs: 6000,
      message: 'reconcile after reconnect',
    });
    // And the subscription is live again. The control plane's own publisher may still be in its
    // reconnect backoff (its lost publish is the reconcile loop's job), so the change is announced
    // from a fresh connection: only the replica's restored subscription can deliver it.
    await cp.admin.traffic.canary.mutate({ model: 'rc', version: '2', weight: 4000 });
    const { configGeneration } = await cp.admin.models.get.query({ name: 'rc' });
    const announcer = createRedisBus({ url: redis.url, prefix: cp.prefix });
    try {
      await announcer.publish({ v: 1, kind: 'model', model: 'rc', generation: configGeneration });
    } finally {
      await announcer.close();
    }
    await waitFor(() => revisionOf(r, 'rc') === 3, { timeoutMs: 2000, message: 'live subscription' });
  });
});

describe('a Postgres outage', () => {
  let cp: TestControlPlane;
  let proxy: TcpProxy;
  beforeAll(async () => {
    cp = await startTestControlPlane();
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(cp.databaseUrl).port || 5432));
  });
  afterAll(async () => {
    await proxy?.close();
    await cp?.close();
  });

  it('keeps serving the last good snapshot, cold-starts from disk or stays not ready, and recovers', async () => {
    await seedModel(cp.admin, 'pg', ['1', '2']);
    await cp.admin.traffic.promote.mutate({ model: 'pg', version: '1' });
    const viaProxy = proxy.rewriteUrl(cp.databaseUrl);
    const r = await startReplica(cp, { databaseUrl: viaProxy, reconcileIntervalMs: 200 });
    replicas.push(r);

    proxy.cut();
    await cp.admin.traffic.canary.mutate({ model: 'pg', version: '2', weight: 5000 });
    // The change message carries the committed rows, so it applies although Postgres is unreachable.
    await waitFor(() => revisionOf(r, 'pg') === 2, { timeoutMs: 2000, message: 'the pushed canary' });
    expect(r.state.stats.pushedTables).toBeGreaterThan(0);
    await waitFor(() => r.state.isStale(), { timeoutMs: 2000, message: 'stale while Postgres is cut' });
    const applied = r.state.snapshot()!;
    const map = applied.models.get('pg')!.revision!;
    // Failing reconciles neither replace nor clear what is served.
    await sleep(600);
    expect(r.state.snapshot()).toBe(applied);
    expect(r.state.stats.reloadErrors).toBeGreaterThan(0);
    expect(r.state.report.lastError).toBeTruthy();
    expect(route(map.map, map.salt, 'someone')).toBeTruthy();

    // Cold start while Postgres is unreachable: from a copy of the disk snapshot, or not at all.
    const diskDir = await mkdtemp(join(tmpdir(), 'mp-routing-disk-'));
    const emptyDir = await mkdtemp(join(tmpdir(), 'mp-routing-empty-'));
    dirs.push(diskDir, emptyDir);
    await copyFile(join(r.dataDir, SNAPSHOT_FILE), join(diskDir, SNAPSHOT_FILE));
    const fromDisk = await startReplica(cp, {
      databaseUrl: viaProxy,
      dataDir: diskDir,
      reconcileIntervalMs: 200,
    });
    const empty = await startReplica(cp, {
      databaseUrl: viaProxy,
      dataDir: emptyDir,
      reconcileIntervalMs: 200,
    });
    replicas.push(fromDisk, empty);
    expect(fromDisk.state.snapshot()?.source).toBe('disk');
    expect(fromDisk.state.isStale()).toBe(true);
    const diskTable = fromDisk.state.snapshot()!.models.get('pg')!;
    expect(diskTable.revision!.number).toBe(2);
    for (let i = 0; i < 500; i++) {
      expect(route(diskTable.revision!.map, diskTable.revision!.salt, `u${i}`)).toBe(
        route(map.map, map.salt, `u${i}`),
      );
    }
    expect(fromDisk.backends.calls).toContain('pg@1');
    expect(empty.state.snapshot()).toBeNull();
    expect(empty.state.isStale()).toBe(false);

    proxy.restore();
    const latest = await storedRevision(cp, 'pg');
    for (const replica of [r, fromDisk, empty]) {
      await waitFor(
        () =>
          revisionOf(replica, 'pg') === latest.revision &&
          replica.state.snapshot()?.source === 'database' &&
          !replica.state.isStale(),
        { timeoutMs: 8000, message: 'recovery after Postgres is back' },
      );
    }
  });
});
