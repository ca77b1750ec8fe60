import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMonitoringJobs } from '../src/services/monitoring/jobs.ts';
import { deliverDueAlerts } from '../src/services/monitoring/webhook.ts';
import { tickRollout } from '../src/services/rollouts/tick.ts';
import { type Harness, startControlPlane } from './harness.ts';
import { databaseMinute, fastChecks, rolloutFixtures } from './rollout-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

/** A webhook body as a receiver sees it. */
interface Received {
  id: number;
  state: string;
  model: string;
  kind: string;
  message: string;
  value: number | null;
  threshold: number | null;
  at: string;
  alert: boolean;
  rollout: { id: string; candidate: string; baseline: string; state: string; steps: number[] };
  candidate: string;
  baseline: string;
  fromWeight: number;
  toWeight: number;
  reason: string;
  actor: string;
  tick: { id: number } | null;
  analysisSkipped: boolean;
}

let cp: Harness;
let receiver: WebhookReceiver;
let webhookUrl: string;
let received: Received[] = [];
let fx: ReturnType<typeof rolloutFixtures>;

beforeAll(async () => {
  // A real receiver on a local port, given to the control plane as its alert webhook.
  receiver = await startWebhookReceiver((body) => {
    received.push(body as Received);
    return 204;
  });
  webhookUrl = receiver.url;
  cp = await startControlPlane({ ALERT_WEBHOOK_URL: webhookUrl });
  fx = rolloutFixtures(cp, await databaseMinute(cp));
});
afterAll(async () => {
  await cp?.close();
  await receiver?.close();
});
beforeEach(() => {
  received = [];
});

/** Posts what is due through the alert webhook's own delivery (claims, retries), as the job does. */
async function deliver(model: string): Promise<Received[]> {
  while ((await deliverDueAlerts(cp.deps.db, { url: webhookUrl, timeoutMs: 2000, maxAttempts: 3 })) > 0) {}
  return received.filter((r) => r.model === model).sort((a, b) => a.id - b.id);
}

async function tickIds(rolloutId: string): Promise<number[]> {
  const rows = await cp.deps.db
    .selectFrom('rollout_ticks')
    .select('id')
    .where('rollout_id', '=', rolloutId)
    .orderBy('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

describe('rollout webhook events', () => {
  it('posts start, each step and the promotion, with the rollout, weights, reason and tick', async () => {
    const started = await fx.startOn('hooks-ramp', [10, 50, 100]);
    await fx.stepStartedAt(started.id, 30);
    await fx.feed('hooks-ramp', '1.0.0', 20, 9000, 45);
    await fx.feed('hooks-ramp', '2.0.0', 20, 1000, 5);
    expect((await tickRollout(cp.deps, started.id))?.evaluation.result.decision).toBe('advance');
    await fx.stepStartedAt(started.id, 10);
    await fx.feed('hooks-ramp', '1.0.0', 5, 5000, 25);
    await fx.feed('hooks-ramp', '2.0.0', 5, 5000, 25);
    expect((await tickRollout(cp.deps, started.id))?.evaluation.result.decision).toBe('promote');

    const events = await deliver('hooks-ramp');
    expect(events.map((e) => [e.kind, e.state, e.fromWeight, e.toWeight])).toEqual([
      ['rollout.start', 'event', 0, 10],
      ['rollout.step', 'event', 10, 50],
      ['rollout.promote', 'event', 50, 100],
    ]);
    const ticks = await tickIds(started.id);
    const [start, step, promote] = events;
    expect(start).toMatchObject({
      alert: false,
      candidate: '2.0.0',
      baseline: '1.0.0',
      rollout: {
        id: started.id,
        candidate: '2.0.0',
        baseline: '1.0.0',
        state: 'running',
        steps: [10, 50, 100],
      },
      actor: 'bootstrap-admin',
      tick: null,
      analysisSkipped: false,
    });
    expect(step).toMatchObject({
      reason: 'checks pass; step to 50 %',
      actor: 'rollout-controller',
      tick: { id: ticks[0] },
      rollout: { state: 'running' },
    });
    expect(promote).toMatchObject({
      reason: 'checks pass at the last step',
      tick: { id: ticks[1] },
      rollout: { state: 'promoted' },
    });
    expect(promote?.message).toBe(
      `hooks-ramp@2.0.0 rollout ${started.id}: promoted (50% → 100%) (checks pass at the last step)`,
    );
    expect(Number.isNaN(Date.parse(promote?.at ?? ''))).toBe(false);
    // Each event once: delivered events are not posted again.
    expect(await deliver('hooks-ramp')).toHaveLength(3);
  });

  it('posts the rollback with its reason', async () => {
    const started = await fx.startOn('hooks-bad', [10, 100]);
    await fx.stepStartedAt(started.id, 30);
    await fx.feed('hooks-bad', '1.0.0', 20, 9000, 45);
    await fx.feed('hooks-bad', '2.0.0', 20, 1000, 200);
    expect((await tickRollout(cp.deps, started.id))?.evaluation.result.decision).toBe('rollback');
    const events = await deliver('hooks-bad');
    expect(events.map((e) => e.kind)).toEqual(['rollout.start', 'rollout.rollback']);
    expect(events[1]).toMatchObject({
      state: 'event',
      fromWeight: 10,
      toWeight: 0,
      reason: 'critical check failed: error_rate',
      rollout: { state: 'rolled_back' },
      tick: { id: (await tickIds(started.id))[0] },
    });
  });

  it('alerts once when the split breaks and when the controller pauses', async () => {
    const started = await fx.startOn('hooks-srm', [10, 100], {
      checks: { ...fastChecks, maxStepDurationSeconds: 60 },
    });
    await fx.stepStartedAt(started.id, 30);
    // Half the requests on a 10 % candidate: the split is broken, the comparisons inconclusive.
    await fx.feed('hooks-srm', '1.0.0', 20, 5000, 25);
    await fx.feed('hooks-srm', '2.0.0', 20, 5000, 25);
    expect((await tickRollout(cp.deps, started.id))?.evaluation.result.decision).toBe('pause');
    expect((await tickRollout(cp.deps, started.id))?.evaluation.result.decision).toBe('hold');
    const events = await deliver('hooks-srm');
    expect(events.map((e) => [e.kind, e.state, e.alert])).toEqual([
      ['rollout.start', 'event', false],
      ['rollout.srm', 'firing', true],
      ['rollout.pause', 'firing', true],
    ]);
    expect(events[1]).toMatchObject({ threshold: 0.001, fromWeight: 10, toWeight: 10 });
    expect(events[1]?.value).toBeLessThan(0.001);
    expect(events[2]?.reason).toMatch(/still inconclusive after 60 s/);
    // The alert is also in the alert history operators read.
    const alerts = await cp.admin.alerts.list.query({ model: 'hooks-srm' });
    expect(alerts.events.map((e) => e.kind)).toContain('rollout.srm');
  });

  it('promote-now goes to 100 %, ends the rollout, and is audited and posted as skipping analysis', async () => {
    const started = await fx.startOn('hooks-now', [10, 50, 100]);
    const promoted = await cp.admin.rollouts.promoteNow.mutate({
      model: 'hooks-now',
      reason: 'hotfix for INC-42',
    });
    expect(promoted).toMatchObject({ id: started.id, state: 'promoted', currentWeight: 100 });
    expect(promoted.stateReason).toBe('promoted now by bootstrap-admin, analysis skipped: hotfix for INC-42');
    const traffic = await cp.admin.traffic.get.query({ model: 'hooks-now' });
    expect(traffic.revision?.baseline).toBe('2.0.0');
    expect(await fx.candidateWeight('hooks-now')).toBe(10_000);

    const audit = await cp.deps.db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'after'])
      .where('target', '=', 'hooks-now')
      .where('action', '=', 'rollout.promote_now')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'bootstrap-admin',
      after: { rollout: { id: started.id, analysisSkipped: true, reason: 'hotfix for INC-42' } },
    });
    const view = await cp.admin.rollouts.get.query({ id: started.id });
    expect(view.ticks[0]).toMatchObject({ decision: 'promote_now', checks: [], weight: 100 });

    const events = await deliver('hooks-now');
    expect(events.map((e) => e.kind)).toEqual(['rollout.start', 'rollout.promote_now']);
    expect(events[1]).toMatchObject({
      analysisSkipped: true,
      fromWeight: 10,
      toWeight: 100,
      reason: 'hotfix for INC-42',
      actor: 'bootstrap-admin',
      rollout: { state: 'promoted' },
    });

    // Nothing left to promote now; a reason is required.
    await expect(
      cp.admin.rollouts.promoteNow.mutate({ model: 'hooks-now', reason: 'again' }),
    ).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: expect.stringContaining('model: hooks-now has no running'),
    });
    await expect(
      cp.admin.rollouts.promoteNow.mutate({ model: 'hooks-now', reason: ' ' }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' }, message: expect.stringContaining('reason') });
  });

  it('reaches the receiver from the controller job loop, with nobody calling delivery', async () => {
    const started = await fx.startOn('hooks-loop', [10, 100]);
    const jobs = startMonitoringJobs(cp.deps);
    try {
      await fx.stepStartedAt(started.id, 30);
      await fx.feed('hooks-loop', '1.0.0', 20, 9000, 45);
      await fx.feed('hooks-loop', '2.0.0', 20, 1000, 5);
      const promoted = await waitFor(
        () => received.find((r) => r.model === 'hooks-loop' && r.kind === 'rollout.promote'),
        { timeoutMs: 15_000, message: 'the promotion event at the receiver' },
      );
      expect(promoted).toMatchObject({ fromWeight: 10, toWeight: 100, actor: 'rollout-controller' });
      expect(received.filter((r) => r.model === 'hooks-loop').map((r) => r.kind)).toContain('rollout.start');
    } finally {
      await jobs.stop();
    }
  });
});
