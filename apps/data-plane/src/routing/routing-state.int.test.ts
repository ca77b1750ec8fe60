import { createRedisBus } from '@modelplane/bus';
import { hashToken, readRoutingRows, routingRowsToJson } from '@modelplane/db';
import { route } from '@modelplane/router';
import { randomPrefix, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedModel, startTestControlPlane, type TestControlPlane } from './test-support/control-plane.ts';
import { startReplica, storedRevision, type TestReplica } from './test-support/replica.ts';
import type { RoutingSnapshot } from './types.ts';

let cp: TestControlPlane;
const replicas: TestReplica[] = [];
const replica = async (options: Parameters<typeof startReplica>[1] = {}) => {
  const r = await startReplica(cp, options);
  replicas.push(r);
  return r;
};

beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(async () => {
  for (const r of replicas) await r.close();
  await cp?.close();
});

const revisionOf = (r: TestReplica, model: string) => r.state.snapshot()?.models.get(model)?.revision?.number;
const KEYS = Array.from({ length: 2000 }, (_, i) => `user-${i}`);

/** Every sample key routes, through the replica's table, exactly as the stored map says. */
async function expectRoutesMatchStored(snapshot: RoutingSnapshot | null, model: string): Promise<void> {
  const stored = await storedRevision(cp, model);
  const table = snapshot?.models.get(model);
  expect(table?.revision?.number).toBe(stored.revision);
  for (const key of KEYS) {
    expect(route(table!.revision!.map, table!.revision!.salt, key)).toBe(route(stored.map, stored.salt, key));
  }
}

describe('RoutingState against the real control plane', () => {
  it('loads everything at start, then converges after traffic.canary and a token change', async () => {
    await seedModel(cp.admin, 'alpha', ['1.0.0', '2.0.0']);
    await cp.admin.traffic.promote.mutate({ model: 'alpha', version: '1.0.0' });
    const r = await replica();
    const table = r.state.snapshot()?.models.get('alpha');
    expect(r.state.snapshot()?.source).toBe('database');
    expect(r.state.isStale()).toBe(false);
    expect([...(table?.versionsByLabel.keys() ?? [])].sort()).toEqual(['1.0.0', '2.0.0']);
    await expectRoutesMatchStored(r.state.snapshot(), 'alpha');

    await cp.admin.traffic.canary.mutate({ model: 'alpha', version: '2.0.0', weight: 3000 });
    await waitFor(() => revisionOf(r, 'alpha') === 2, { timeoutMs: 2000, message: 'alpha at revision 2' });
    await expectRoutesMatchStored(r.state.snapshot(), 'alpha');
    const ids = r.state
      .snapshot()!
      .models.get('alpha')!
      .revision!.weights.map((w) => w.versionId);
    expect(r.backends.retained).toEqual(new Set(ids));

    const token = await cp.admin.tokens.create.mutate({ name: 'svc', role: 'predict' });
    await waitFor(() => r.state.snapshot()?.tokenHashes.has(hashToken(token.token)), {
      timeoutMs: 2000,
      message: 'the new predict token',
    });
    await cp.admin.tokens.revoke.mutate({ id: token.id });
    await waitFor(() => !r.state.snapshot()?.tokenHashes.has(hashToken(token.token)), { timeoutMs: 2000 });
  });

  it('converges through the reconcile loop alone when every message is lost', async () => {
    await seedModel(cp.admin, 'lossy', ['a', 'b']);
    await cp.admin.traffic.promote.mutate({ model: 'lossy', version: 'a' });
    const deaf = await replica({ prefix: randomPrefix('deaf'), reconcileIntervalMs: 200 });
    await cp.admin.traffic.canary.mutate({ model: 'lossy', version: 'b', weight: 5000 });
    await seedModel(cp.admin, 'added', ['x']);
    await cp.admin.traffic.promote.mutate({ model: 'added', version: 'x' });
    const token = await cp.admin.tokens.create.mutate({ name: 'late', role: 'predict' });
    await waitFor(
      () =>
        revisionOf(deaf, 'lossy') === 2 &&
        revisionOf(deaf, 'added') === 1 &&
        deaf.state.snapshot()?.tokenHashes.has(hashToken(token.token)),
      { timeoutMs: 2000, message: 'convergence without messages' },
    );
    await expectRoutesMatchStored(deaf.state.snapshot(), 'lossy');
    expect(deaf.bus.stats.received).toBe(0);
  });

  it('ignores duplicate and out-of-order messages, ending on the newest generation', async () => {
    await seedModel(cp.admin, 'order', ['1', '2', '3']);
    await cp.admin.traffic.promote.mutate({ model: 'order', version: '1' });
    // Hears only what the test publishes on its own prefix, and never polls during the test.
    const prefix = randomPrefix('hand');
    const r = await replica({ prefix, reconcileIntervalMs: 60_000 });
    const hand = createRedisBus({ url: cp.redisUrl, prefix });
    try {
      await cp.admin.traffic.canary.mutate({ model: 'order', version: '2', weight: 1000 });
      await cp.admin.traffic.canary.mutate({ model: 'order', version: '3', weight: 1000 });
      const latest = await storedRevision(cp, 'order');
      const g = latest.generation;
      const applied = r.state.stats.appliedTables;
      for (const generation of [g, g - 2, g, g - 1]) {
        await hand.publish({ v: 1, kind: 'model', model: 'order', generation });
      }
      await waitFor(() => revisionOf(r, 'order') === latest.revision, { timeoutMs: 2000 });
      await waitFor(() => r.state.stats.ignoredMessages >= 3, { timeoutMs: 2000, message: '3 ignored' });
      expect(r.state.stats.appliedTables).toBe(applied + 1);

      const held = r.state.snapshot();
      const ignored = r.state.stats.ignoredMessages;
      for (const generation of [g, g - 1, 1, g]) {
        await hand.publish({ v: 1, kind: 'model', model: 'order', generation });
      }
      await hand.publish({ v: 1, kind: 'tokens', generation: 1 });
      await waitFor(() => r.state.stats.ignoredMessages === ignored + 5, { timeoutMs: 2000 });
      expect(r.state.snapshot()).toBe(held);
      await expectRoutesMatchStored(r.state.snapshot(), 'order');
    } finally {
      await hand.close();
    }
  });

  it('applies the rows a change message carries, and reads Postgres when they are unusable', async () => {
    await seedModel(cp.admin, 'pushed', ['1', '2', '3']);
    await cp.admin.traffic.promote.mutate({ model: 'pushed', version: '1' });
    // Hears only what the test publishes on its own prefix, and never polls during the test.
    const prefix = randomPrefix('push');
    const r = await replica({ prefix, reconcileIntervalMs: 60_000 });
    const hand = createRedisBus({ url: cp.redisUrl, prefix });
    const rowsNow = async () => routingRowsToJson(await readRoutingRows(cp.database.db, 'pushed'));
    try {
      await cp.admin.traffic.canary.mutate({ model: 'pushed', version: '2', weight: 1000 });
      let latest = await storedRevision(cp, 'pushed');
      const published = Date.now();
      await hand.publish({
        v: 1,
        kind: 'model',
        model: 'pushed',
        generation: latest.generation,
        rows: await rowsNow(),
      });
      await waitFor(() => revisionOf(r, 'pushed') === latest.revision, {
        timeoutMs: 2000,
        message: 'pushed rows',
      });
      expect(r.state.stats.pushedTables).toBe(1);
      await expectRoutesMatchStored(r.state.snapshot(), 'pushed');
      // The replica stamps the message's arrival and the swap (what scenario 6 splits propagation by).
      const received = r.state.receivedAtMs('pushed') as number;
      const applied = r.state.appliedAtMs('pushed') as number;
      expect(received).toBeGreaterThanOrEqual(published - 5);
      expect(applied).toBeGreaterThanOrEqual(received);
      expect(applied - received).toBeLessThan(2000);

      // Rows of another generation than announced, then a malformed bucket map: both read Postgres.
      const stale = await rowsNow();
      await cp.admin.traffic.canary.mutate({ model: 'pushed', version: '3', weight: 1000 });
      latest = await storedRevision(cp, 'pushed');
      await hand.publish({
        v: 1,
        kind: 'model',
        model: 'pushed',
        generation: latest.generation,
        rows: stale,
      });
      await waitFor(() => revisionOf(r, 'pushed') === latest.revision, {
        timeoutMs: 2000,
        message: 'read from Postgres',
      });
      await cp.admin.traffic.promote.mutate({ model: 'pushed', version: '3' });
      latest = await storedRevision(cp, 'pushed');
      const broken = await rowsNow();
      for (const revision of broken.revisions) revision.bucket_map = '\\xnot-hex';
      await hand.publish({
        v: 1,
        kind: 'model',
        model: 'pushed',
        generation: latest.generation,
        rows: broken,
      });
      await waitFor(() => revisionOf(r, 'pushed') === latest.revision, {
        timeoutMs: 2000,
        message: 'read from Postgres',
      });
      expect(r.state.stats.pushedTables).toBe(1);
      await expectRoutesMatchStored(r.state.snapshot(), 'pushed');
    } finally {
      await hand.close();
    }
  });
});
