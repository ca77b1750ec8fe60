import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTcpProxy, type TcpProxy, testRedisUrl, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_FILE } from '../../src/routing/snapshot-file.ts';
import { demo } from '../stack.ts';
import { type Fleet, type ReplicaOptions, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import { terminate } from './processes.ts';
import { mapLimit, predict, readStoredRouting, type StoredRouting } from './traffic.ts';

// One replica reaches Postgres and Redis only through proxies this file controls; the control
// plane talks to both directly, so operators can still change traffic during the outage.
let fleet: Fleet;
let pgProxy: TcpProxy;
let redisProxy: TcpProxy;
let replica: ReplicaProcess;
let token: string;
let beforeOutage: StoredRouting;

const behindProxies = (id: string, dataDir?: string): ReplicaOptions => ({
  id,
  ...(dataDir !== undefined && { dataDir }),
  databaseUrl: pgProxy.rewriteUrl(fleet.databaseUrl),
  redisUrl: redisProxy.rewriteUrl(testRedisUrl()),
  env: { RECONCILE_INTERVAL_MS: '500' },
});

/** A proxy in front of the server `url` names (the shared Postgres or Redis, which tests never stop). */
function proxyTo(url: string, defaultPort: number): Promise<TcpProxy> {
  const { hostname, port } = new URL(url);
  return startTcpProxy(hostname, Number(port || defaultPort));
}

beforeAll(async () => {
  fleet = await startFleet();
  pgProxy = await proxyTo(fleet.databaseUrl, 5432);
  redisProxy = await proxyTo(testRedisUrl(), 6379);
  await fleet.register(demo('recs', '1.0.0'));
  await fleet.register(demo('recs', '2.0.0'));
  await fleet.json(['traffic', 'promote', 'recs@1.0.0']);
  await fleet.json(['traffic', 'canary', 'recs@2.0.0', '--percent', '10']);
  token = (await fleet.createPredictToken('static-predict')).token;
  beforeOutage = await readStoredRouting(fleet.database, 'recs');
  replica = await fleet.startReplica(behindProxies('static-s'));
  await waitForStatus(`${replica.url}/readyz`, 200);
  // The disk snapshot is written off the request path, just after the first load.
  await waitFor(
    () => access(join(replica.dataDir, `replica-${replica.id}`, SNAPSHOT_FILE)).then(() => true),
    { message: 'the disk snapshot' },
  );
}, 120_000);

afterAll(async () => {
  await fleet?.close();
  await pgProxy?.close();
  await redisProxy?.close();
});

async function readyz(url: string): Promise<{ status: number; body: { ready: boolean; stale: boolean } }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; stale: boolean } };
}

/** Predicts for `count` routing keys; returns the failures and the keys served off `routing`. */
async function predictKeys(url: string, count: number, routing: StoredRouting, label: string) {
  const keys = Array.from({ length: count }, (_, i) => `${label}-${i}`);
  const outcomes = await mapLimit(keys, 4, (routingKey) => predict(url, 'recs', { token, routingKey }));
  const failures = outcomes
    .filter((o) => o.status !== 200)
    .map((o) => `${o.status} ${JSON.stringify(o.body)}`);
  const offMap = keys.filter((key, i) => outcomes[i]?.version !== routing.versionFor(key));
  return { failures, offMap };
}

describe('Postgres and Redis both unreachable', () => {
  it('keeps serving every prediction from memory and reports itself stale', async () => {
    expect((await readyz(replica.url)).body).toMatchObject({ ready: true, stale: false });
    // Load runs across the cut itself, not just after it.
    const during = predictKeys(replica.url, 250, beforeOutage, 'cut');
    await sleep(100);
    pgProxy.cut();
    redisProxy.cut();
    const { failures, offMap } = await during;
    expect(failures).toEqual([]);
    expect(offMap).toEqual([]);

    await waitFor(async () => (await readyz(replica.url)).body.stale, { message: 'stale during the outage' });
    const after = await predictKeys(replica.url, 50, beforeOutage, 'stale');
    expect(after).toEqual({ failures: [], offMap: [] });
    expect(await readyz(replica.url)).toMatchObject({ status: 200, body: { ready: true, stale: true } });
  });

  it('restarts from its disk snapshot (ready, stale) while an empty replica stays not ready', async () => {
    // Traffic changes during the outage; the cut-off replicas cannot know yet (so no waiting for them).
    await fleet.json(['traffic', 'canary', 'recs@2.0.0', '--percent', '50', '--no-wait']);

    expect(await terminate(replica.process)).toEqual({ code: 0, signal: null });
    replica = await fleet.startReplica(behindProxies(replica.id, replica.dataDir));
    const empty = await fleet.startReplica(behindProxies('static-empty'));

    await waitForStatus(`${replica.url}/readyz`, 200);
    expect((await readyz(replica.url)).body).toMatchObject({ ready: true, stale: true });
    expect(replica.process.output()).toContain('serving the disk snapshot (stale)');
    expect(await predictKeys(replica.url, 200, beforeOutage, 'disk')).toEqual({ failures: [], offMap: [] });

    // Never ready with nothing to serve, however long it waits.
    for (let i = 0; i < 12; i++) {
      expect((await readyz(empty.url)).status).toBe(503);
      await sleep(250);
    }
    const refused = await predict(empty.url, 'recs', { token, routingKey: 'someone' });
    expect(refused.status).toBe(503);
    expect(empty.process.output()).toMatch(/no snapshot on disk.*not ready/);

    pgProxy.restore();
    redisProxy.restore();
    const latest = await readStoredRouting(fleet.database, 'recs');
    expect(latest.revision).toBeGreaterThan(beforeOutage.revision);
    for (const r of [replica, empty]) {
      await waitFor(
        async () => {
          const { status, body } = await readyz(r.url);
          if (status !== 200 || body.stale) return false;
          const { failures, offMap } = await predictKeys(r.url, 100, latest, `back-${r.id}`);
          return failures.length === 0 && offMap.length === 0;
        },
        { timeoutMs: 15_000, message: `${r.id} on revision ${latest.revision} after the outage` },
      );
    }
  });
});
