import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../stack.ts';
import { type Fleet, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import { mapLimit, predict, readStoredRouting, type StoredRouting } from './traffic.ts';

// A control plane and three data-plane processes on one Postgres and one Redis prefix. Reconcile
// runs once a minute here, so anything converging within the 2 s bound arrived through pub/sub.
const BOUND_MS = 2000;
const KEYS = Array.from({ length: 200 }, (_, i) => `user-${i}`);

let fleet: Fleet;
let replicas: ReplicaProcess[];
let token: string;
/** A key the canary moves to 2.0.0 (and the rollback moves back). */
let canaryKey: string;

beforeAll(async () => {
  fleet = await startFleet();
  await fleet.register(demo('recs', '1.0.0'));
  await fleet.register(demo('recs', '2.0.0'));
  await fleet.json(['traffic', 'promote', 'recs@1.0.0']);
  token = (await fleet.createPredictToken('fleet-predict')).token;
  replicas = await Promise.all(
    ['fleet-a', 'fleet-b', 'fleet-c'].map((id) =>
      fleet.startReplica({ id, env: { RECONCILE_INTERVAL_MS: '60000' } }),
    ),
  );
  await Promise.all(replicas.map((r) => waitForStatus(`${r.url}/readyz`, 200)));
}, 120_000);

afterAll(async () => {
  await fleet?.close();
});

/** The keys whose `x-model-version` differs from what the stored revision names (empty when converged). */
async function mismatches(replica: ReplicaProcess, expected: (key: string) => string): Promise<string[]> {
  const outcomes = await mapLimit(KEYS, 8, (routingKey) =>
    predict(replica.url, 'recs', { token, routingKey }),
  );
  return KEYS.flatMap((key, i) => {
    const outcome = outcomes[i];
    if (outcome?.status === 200 && outcome.version === expected(key)) return [];
    return [`${key}: ${outcome?.status} ${outcome?.version} (want ${expected(key)})`];
  });
}

/**
 * How long after `since` each replica first answered `probe` (a key the change moves) on its new
 * version. Snapshots are swapped whole, so from that answer on the replica routes every key by the
 * new revision; all 200 keys are then checked against the stored bucket map to prove it.
 */
async function convergence(since: number, stored: StoredRouting, probe: string): Promise<number[]> {
  return Promise.all(
    replicas.map(async (replica) => {
      let seen: string | null = null;
      while (performance.now() - since < BOUND_MS * 5) {
        const outcome = await predict(replica.url, 'recs', { token, routingKey: probe });
        // The change may land at any moment, but never at the cost of a failed request.
        expect(outcome.status).toBe(200);
        seen = outcome.version;
        if (seen !== stored.versionFor(probe)) continue;
        const ms = performance.now() - since;
        expect(await mismatches(replica, stored.versionFor)).toEqual([]);
        return ms;
      }
      throw new Error(`${replica.id} still answers ${probe} with ${seen}, not ${stored.versionFor(probe)}`);
    }),
  );
}

describe('a canary and a rollback reach every replica', () => {
  it('starts with every key on the promoted version', async () => {
    const stored = await readStoredRouting(fleet.database, 'recs');
    expect(stored.revision).toBe(1);
    for (const replica of replicas) expect(await mismatches(replica, stored.versionFor)).toEqual([]);
  });

  it('serves the canary split on all three within 2 s, each key on the stored bucket map', async () => {
    const revision = await fleet.json<{ revision: number }>([
      'traffic',
      'canary',
      'recs@2.0.0',
      '--percent',
      '30',
      // The convergence is timed here, from the moment the change is stored.
      '--no-wait',
    ]);
    const since = performance.now();
    const stored = await readStoredRouting(fleet.database, 'recs');
    expect(stored.revision).toBe(revision.revision);
    const moved = KEYS.filter((key) => stored.versionFor(key) === 'recs@2.0.0');
    // About 30 % of 200 keys; enough on both sides that a stale replica cannot pass by luck.
    expect(moved.length).toBeGreaterThan(30);
    expect(moved.length).toBeLessThan(90);
    canaryKey = moved[0] as string;

    for (const ms of await convergence(since, stored, canaryKey)) expect(ms).toBeLessThanOrEqual(BOUND_MS);
  });

  it('rolls back through the CLI: all three are back on the previous split within 2 s', async () => {
    const rolledBack = await fleet.json<{ revision: number; restoresRevision: number }>([
      'traffic',
      'rollback',
      'recs',
      '--no-wait',
    ]);
    const since = performance.now();
    expect(rolledBack.restoresRevision).toBe(1);
    const stored = await readStoredRouting(fleet.database, 'recs');
    expect(stored.revision).toBe(rolledBack.revision);
    expect(new Set(KEYS.map(stored.versionFor))).toEqual(new Set(['recs@1.0.0']));

    for (const ms of await convergence(since, stored, canaryKey)) expect(ms).toBeLessThanOrEqual(BOUND_MS);
  });

  it('lists the three replicas in sync on the rolled-back revision in `traffic show`', async () => {
    const stored = await readStoredRouting(fleet.database, 'recs');
    type Shown = { replicas: { replicaId: string; state: string; appliedRevision: number | null }[] };
    // Heartbeats go out every 500 ms; the view may trail the routing change by one beat.
    let shown: Shown = { replicas: [] };
    const deadline = Date.now() + 5000;
    do {
      shown = await fleet.json<Shown>(['traffic', 'show', 'recs']);
    } while (shown.replicas.some((r) => r.appliedRevision !== stored.revision) && Date.now() < deadline);
    expect(shown.replicas.map((r) => [r.replicaId, r.state, r.appliedRevision]).sort()).toEqual(
      replicas.map((r) => [r.id, 'in-sync', stored.revision]),
    );

    const table = (await fleet.cli(['traffic', 'show', 'recs'])).stdout;
    expect(table).toMatch(/^REPLICA\s+STATE\s+APPLIED\s+LAST SEEN\s+REASON$/m);
    for (const replica of replicas) {
      expect(table).toMatch(new RegExp(`^${replica.id}\\s+in-sync\\s+${stored.revision}\\s`, 'm'));
    }
  });
});

describe('a revoked predict token', () => {
  it('gets 401 on every replica within 2 s, while another token keeps working', async () => {
    const doomed = await fleet.createPredictToken('fleet-doomed');
    const ok = (t: string) => async (r: ReplicaProcess) =>
      (await predict(r.url, 'recs', { token: t })).status;
    // A new token is itself a token-generation change; every replica must know it before the test.
    const deadline = Date.now() + 5000;
    let before: number[] = [];
    do before = await Promise.all(replicas.map(ok(doomed.token)));
    while (before.some((s) => s !== 200) && Date.now() < deadline);
    expect(before).toEqual([200, 200, 200]);

    const revoked = await fleet.cli(['tokens', 'revoke', doomed.id]);
    expect(revoked).toMatchObject({ code: 0, stderr: '' });
    const since = performance.now();
    const times = await Promise.all(
      replicas.map(async (replica) => {
        while (performance.now() - since < BOUND_MS * 3) {
          const outcome = await predict(replica.url, 'recs', { token: doomed.token });
          if (outcome.status === 401) {
            expect(outcome.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
            return performance.now() - since;
          }
          expect(outcome.status).toBe(200);
        }
        throw new Error(`${replica.id} still accepts the revoked token`);
      }),
    );
    for (const ms of times) expect(ms).toBeLessThanOrEqual(BOUND_MS);
    expect(await Promise.all(replicas.map(ok(token)))).toEqual([200, 200, 200]);
    // Revocation is final: a later reconcile must not bring it back.
    expect(await Promise.all(replicas.map(ok(doomed.token)))).toEqual([401, 401, 401]);
  });
});
