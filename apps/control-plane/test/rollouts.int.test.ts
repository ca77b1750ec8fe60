import { findRollout } from '@modelplane/db';
import { decodeBucketMap } from '@modelplane/router';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickDueRollouts } from '../src/services/rollouts/job.ts';
import { applyEvaluation, evaluateRollout, tickRollout } from '../src/services/rollouts/tick.ts';
import { type Harness, seedModel, startControlPlane } from './harness.ts';
import { databaseMinute, fastChecks, rolloutFixtures } from './rollout-fixtures.ts';

type Fixtures = ReturnType<typeof rolloutFixtures>;

let cp: Harness;
let startOn: Fixtures['startOn'];
let stepStartedAt: Fixtures['stepStartedAt'];
let feed: Fixtures['feed'];
let feedCached: Fixtures['feedCached'];
let candidateWeight: Fixtures['candidateWeight'];

beforeAll(async () => {
  cp = await startControlPlane();
  ({ startOn, stepStartedAt, feed, feedCached, candidateWeight } = rolloutFixtures(
    cp,
    await databaseMinute(cp),
  ));
});
afterAll(async () => {
  await cp?.close();
});

async function auditActions(model: string): Promise<string[]> {
  const rows = await cp.deps.db
    .selectFrom('audit_log')
    .select('action')
    .where('target', '=', model)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action);
}

/** For each of the model's revisions in order: which version id every routing bucket goes to. */
async function bucketOwners(model: string): Promise<string[][]> {
  const rows = await cp.deps.db
    .selectFrom('routing_revisions as r')
    .innerJoin('models as m', 'm.id', 'r.model_id')
    .select(['r.weights', 'r.bucket_map'])
    .where('m.name', '=', model)
    .orderBy('r.revision')
    .execute();
  return rows.map((row) => {
    const map = decodeBucketMap(
      row.weights.map((w) => w.versionId),
      row.bucket_map,
    );
    return [...map.buckets].map((i) => map.versions[i] ?? '');
  });
}

describe('rollouts', () => {
  it('starts at the first step, advances on passing checks, then promotes; a stale transition changes nothing', async () => {
    const started = await startOn('ramp', [10, 50, 100]);
    expect(started.state).toBe('running');
    expect(await candidateWeight('ramp')).toBe(1000);

    await stepStartedAt(started.id, 5);
    // 10 % split exactly, both arms 0.5 % errors and 10 ms.
    await feed('ramp', '1.0.0', 3, 9000, 45);
    await feed('ramp', '2.0.0', 3, 1000, 5);
    const before = await findRollout(cp.deps.db, started.id);
    const first = await tickRollout(cp.deps, started.id);
    expect(first?.evaluation.checks.map((c) => [c.check, c.verdict])).toEqual([
      ['srm', 'PASS'],
      ['error_rate', 'PASS'],
      ['latency_p99', 'PASS'],
    ]);
    expect(first?.evaluation.result.decision).toBe('advance');
    expect(first?.applied).toBe(true);
    expect(await candidateWeight('ramp')).toBe(5000);
    const advanced = await cp.admin.rollouts.get.query({ id: started.id });
    expect(advanced.currentStep).toBe(1);
    expect(advanced.ticks[0]?.decision).toBe('advance');

    // Sticky ramp: from 10 % to 50 % every bucket the candidate had stays with it; only baseline
    // buckets move, and only to the candidate.
    const owners = await bucketOwners('ramp');
    const [atTen, atFifty] = owners.slice(-2);
    const candidateId = (
      await cp.deps.db
        .selectFrom('model_versions')
        .select('id')
        .where('version', '=', '2.0.0')
        .where('model_id', '=', before?.model_id ?? '')
        .executeTakeFirstOrThrow()
    ).id;
    atTen?.forEach((owner, bucket) => {
      if (owner === candidateId) expect(atFifty?.[bucket]).toBe(candidateId);
      else if (atFifty?.[bucket] !== owner) expect(atFifty?.[bucket]).toBe(candidateId);
    });
    expect(atFifty?.filter((o) => o === candidateId)).toHaveLength(5000);

    // A controller that read the row before the advance (a stale leader) applies its evaluation again.
    const revisions = await cp.admin.traffic.history.query({ model: 'ramp' });
    if (!before || !first) throw new Error('unreachable');
    expect(await applyEvaluation(cp.deps, before, first.evaluation)).toBe(false);
    expect(await cp.admin.traffic.history.query({ model: 'ramp' })).toHaveLength(revisions.length);
    expect((await cp.admin.rollouts.get.query({ id: started.id })).version).toBe(advanced.version);
    expect(await candidateWeight('ramp')).toBe(5000);

    // Step 2 (50 %): its own window, which leaves the first step's minute out.
    await stepStartedAt(started.id, 2);
    await feed('ramp', '1.0.0', 1, 1000, 5);
    await feed('ramp', '2.0.0', 1, 1000, 5);
    const second = await tickRollout(cp.deps, started.id);
    expect(second?.evaluation.checks[0]?.n).toEqual({ baseline: 1000, candidate: 1000 });
    expect(second?.evaluation.result.decision).toBe('promote');
    const traffic = await cp.admin.traffic.get.query({ model: 'ramp' });
    expect(traffic.revision?.baseline).toBe('2.0.0');
    expect(await candidateWeight('ramp')).toBe(10000);
    expect((await cp.admin.rollouts.get.query({ id: started.id })).state).toBe('promoted');
    expect(await auditActions('ramp')).toEqual(
      expect.arrayContaining(['rollout.start', 'rollout.advance', 'rollout.promote']),
    );
    // Finished: the model takes manual changes again.
    await cp.admin.traffic.promote.mutate({ model: 'ramp', version: '1.0.0' });
  });

  it('rolls back at once on a critical error-rate regression', async () => {
    const started = await startOn('bad', [10, 100]);
    await stepStartedAt(started.id, 5);
    await feed('bad', '1.0.0', 3, 9000, 90); // 1 %
    await feed('bad', '2.0.0', 3, 1000, 60); // 6 %
    const tick = await tickRollout(cp.deps, started.id);
    const errorRate = tick?.evaluation.checks.find((c) => c.check === 'error_rate');
    expect(errorRate?.verdict).toBe('FAIL');
    expect(errorRate?.interval?.lower).toBeGreaterThan(0.005);
    expect(tick?.evaluation.result.decision).toBe('rollback');
    expect(await candidateWeight('bad')).toBe(0);
    const view = await cp.admin.rollouts.get.query({ id: started.id });
    expect(view.state).toBe('rolled_back');
    expect(view.ticks[0]?.checks).toHaveLength(3);
    expect(await auditActions('bad')).toContain('rollout.rollback');
    // A finished rollout does not tick again.
    expect(await tickRollout(cp.deps, started.id)).toBeNull();
  });

  it('rolls back a latency regression (not critical) after failureLimit consecutive ticks', async () => {
    const started = await startOn('slow', [10, 100]);
    await stepStartedAt(started.id, 5);
    await feed('slow', '1.0.0', 3, 9000, 0, 10);
    await feed('slow', '2.0.0', 3, 1000, 0, 30); // p99 3× the baseline's, allowed 1.5×
    const first = await tickRollout(cp.deps, started.id);
    expect(first?.evaluation.checks.find((c) => c.check === 'latency_p99')?.verdict).toBe('FAIL');
    expect(first?.evaluation.result).toMatchObject({ decision: 'hold', consecutiveFailures: 1 });
    expect(await candidateWeight('slow')).toBe(1000);
    const second = await tickRollout(cp.deps, started.id);
    expect(second?.evaluation.result).toMatchObject({ decision: 'rollback', consecutiveFailures: 2 });
    expect(await candidateWeight('slow')).toBe(0);
  });

  it('judges latency on uncached requests: fast cache hits do not hide a candidate whose misses are slow', async () => {
    const started = await startOn('cachey', [50, 100]);
    await stepStartedAt(started.id, 5);
    // 99 % cache hits at 1 ms in both arms, so the p99 of all requests is 1 ms in both; the misses
    // take 10 ms on the baseline and 30 ms on the candidate.
    await feedCached('cachey', '1.0.0', 3, { hits: 100_000, misses: 1000, missMs: 10 });
    await feedCached('cachey', '2.0.0', 3, { hits: 100_000, misses: 1000, missMs: 30 });
    const first = await tickRollout(cp.deps, started.id);
    const latency = first?.evaluation.checks.find((c) => c.check === 'latency_p99');
    expect(latency).toMatchObject({ verdict: 'FAIL', n: { baseline: 1000, candidate: 1000 } });
    expect(latency?.estimate).toBeGreaterThan(2.5);
    expect(latency?.reason).toContain('uncached p99');
    expect(first?.evaluation.result).toMatchObject({ decision: 'hold', consecutiveFailures: 1 });
    const second = await tickRollout(cp.deps, started.id);
    expect(second?.evaluation.result).toMatchObject({ decision: 'rollback', consecutiveFailures: 2 });
    expect(await candidateWeight('cachey')).toBe(0);
    const view = await cp.admin.rollouts.get.query({ id: started.id });
    expect(view.ticks[0]?.checks).toContainEqual(
      expect.objectContaining({ check: 'latency_p99', verdict: 'FAIL', reason: latency?.reason }),
    );
  });

  it('while rows from replicas without the uncached histogram are in the window, holds cache-heavy arms', async () => {
    const started = await startOn('upgrading', [50, 100]);
    await stepStartedAt(started.id, 5);
    await feedCached('upgrading', '1.0.0', 3, { hits: 500, misses: 1500, missMs: 10, unsplit: true });
    await feedCached('upgrading', '2.0.0', 3, { hits: 500, misses: 1500, missMs: 10 });
    const tick = await tickRollout(cp.deps, started.id);
    const latency = tick?.evaluation.checks.find((c) => c.check === 'latency_p99');
    expect(latency?.verdict).toBe('INCONCLUSIVE');
    expect(latency?.reason).toContain('without an uncached histogram');
    expect(tick?.evaluation.result.decision).toBe('hold');
  });

  it('holds a candidate without traffic, idempotently, and refuses manual traffic changes meanwhile', async () => {
    const started = await startOn('idle', [5, 100]);
    await stepStartedAt(started.id, 30);
    for (let i = 0; i < 3; i++) {
      const tick = await tickRollout(cp.deps, started.id);
      expect(tick?.evaluation.result.decision).toBe('hold');
      expect(tick?.applied).toBe(true);
    }
    const view = await cp.admin.rollouts.get.query({ id: started.id });
    expect(view).toMatchObject({ state: 'running', currentStep: 0 });
    expect(view.ticks).toHaveLength(3);
    expect(view.ticks.every((t) => t.decision === 'hold')).toBe(true);
    expect(await candidateWeight('idle')).toBe(500);

    await expect(
      cp.admin.traffic.canary.mutate({ model: 'idle', version: '2.0.0', weight: 5000 }),
    ).rejects.toMatchObject({ data: { code: 'CONFLICT' }, message: expect.stringContaining('rollout') });
    await expect(cp.admin.rollouts.start.mutate({ model: 'idle', candidate: '2.0.0' })).rejects.toMatchObject(
      {
        data: { code: 'CONFLICT' },
      },
    );
    // Abort drains the candidate, audited, and hands the model back to operators.
    const aborted = await cp.admin.rollouts.abort.mutate({ id: started.id });
    expect(aborted.state).toBe('aborted');
    expect(await candidateWeight('idle')).toBe(0);
    expect(await auditActions('idle')).toContain('rollout.abort');
  });

  it('waits for approval, keeps rollback armed while waiting, and pauses/resumes', async () => {
    const started = await startOn('gate', [10, 50, 100], { approvalEachStep: true });
    await stepStartedAt(started.id, 10);
    await feed('gate', '1.0.0', 8, 9000, 45);
    await feed('gate', '2.0.0', 8, 1000, 5);
    expect((await tickRollout(cp.deps, started.id))?.evaluation.result.decision).toBe('await_approval');
    expect((await cp.admin.rollouts.get.query({ id: started.id })).state).toBe('waiting_approval');
    expect(await candidateWeight('gate')).toBe(1000);

    const paused = await cp.admin.rollouts.pause.mutate({ id: started.id });
    expect(paused.state).toBe('paused');
    const resumed = await cp.admin.rollouts.resume.mutate({ id: started.id });
    expect(resumed.state).toBe('running');

    await stepStartedAt(started.id, 10);
    expect((await tickRollout(cp.deps, started.id))?.evaluation.result.decision).toBe('await_approval');
    // The candidate turns bad while it waits: the next tick rolls back without anyone approving.
    await feed('gate', '2.0.0', 7, 1000, 200);
    await feed('gate', '1.0.0', 7, 9000, 45);
    expect((await tickRollout(cp.deps, started.id))?.evaluation.result.decision).toBe('rollback');
    expect(await candidateWeight('gate')).toBe(0);
    await expect(cp.admin.rollouts.approve.mutate({ id: started.id })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
    });
  });

  it('ticks each due rollout once per period when two controllers run at the same moment', async () => {
    const started = await startOn('duo', [10, 100], { tickIntervalSeconds: 3600 });
    const ticksOf = async () =>
      (
        await cp.deps.db
          .selectFrom('rollout_ticks')
          .select('id')
          .where('rollout_id', '=', started.id)
          .execute()
      ).length;
    const [a, b] = await Promise.all([tickDueRollouts(cp.deps, 'cp-a'), tickDueRollouts(cp.deps, 'cp-b')]);
    // Other tests' rollouts may be due too; what matters is that only one controller ticked.
    expect(Math.min(a, b)).toBe(0);
    expect(await ticksOf()).toBe(1);
    // Ticked just now with a one-hour interval: not due again, whoever holds the leader claim.
    await cp.deps.db.deleteFrom('leader_jobs').where('name', '=', 'rollout-ticks').execute();
    await tickDueRollouts(cp.deps, 'cp-a');
    expect(await ticksOf()).toBe(1);
  });

  it('leaves out the minutes replicas may not have flushed yet (rollupLagSeconds)', async () => {
    const started = await startOn('lagged', [50, 100], {
      checks: { ...fastChecks, rollupLagSeconds: 150 },
    });
    await stepStartedAt(started.id, 10);
    const dbNow = async () => {
      const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(cp.deps.db);
      return new Date(rows[0]?.now ?? 0).getTime();
    };
    // The window ends at the last minute boundary at least 150 s ago: 3 minutes before the current
    // minute began when it is less than 30 s old, 2 otherwise.
    const expectedEnd = (now: number) => Math.floor((now - 150_000) / 60_000) * 60_000;
    const before = await dbNow();
    const row = await findRollout(cp.deps.db, started.id);
    const evaluation = await evaluateRollout(cp.deps, row!);
    const after = await dbNow();
    expect([expectedEnd(before), expectedEnd(after)]).toContain(evaluation.windowEnd.getTime());
    expect(evaluation.windowEnd.getTime()).toBeLessThanOrEqual(after - 150_000);
  });

  it('rejects bad input naming the field', async () => {
    await seedModel(cp.admin, 'inputs', ['1.0.0', '2.0.0']);
    await cp.admin.traffic.promote.mutate({ model: 'inputs', version: '1.0.0' });
    const cases = [
      [{ steps: [10, 5, 100] }, 'steps'],
      [{ steps: [10, 50] }, 'steps'],
      [{ steps: [10, 150] }, 'steps'],
      [{ candidate: '9.9.9' }, 'candidate'],
      [{ candidate: '1.0.0' }, 'candidate'],
      [{ checks: { latency: { maxRatio: 0.5 } } }, 'checks.latency.maxRatio'],
    ] as const;
    for (const [patch, field] of cases) {
      const error = await cp.admin.rollouts.start
        .mutate({ model: 'inputs', candidate: '2.0.0', ...patch } as never)
        .catch((e: { message: string; data?: { code?: string } }) => e);
      expect(error, JSON.stringify(patch)).toMatchObject({ message: expect.stringContaining(field) });
      expect(['BAD_REQUEST', 'NOT_FOUND']).toContain((error as { data?: { code?: string } }).data?.code);
    }
    // Nothing was started by any of them.
    expect(await cp.admin.rollouts.list.query({ model: 'inputs' })).toEqual([]);
  });
});
