import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickRollout } from '../src/services/rollouts/tick.ts';
import { type Harness, seedModel, startControlPlane } from './harness.ts';
import { databaseMinute, fastChecks, rolloutFixtures } from './rollout-fixtures.ts';

let cp: Harness;
let fx: ReturnType<typeof rolloutFixtures>;

beforeAll(async () => {
  cp = await startControlPlane();
  fx = rolloutFixtures(cp, await databaseMinute(cp));
});
afterAll(async () => {
  await cp?.close();
});

/** A five-minute attribution window and a two-point tolerance; not critical, so FAIL needs 2 ticks. */
const withConversion = (conversion: Record<string, unknown> = {}) => ({
  checks: {
    ...fastChecks,
    conversion: { attributionWindowSeconds: 300, tolerance: 0.02, ...conversion },
  },
});

const conversionOf = (tick: Awaited<ReturnType<typeof tickRollout>>) =>
  tick?.evaluation.checks.find((c) => c.check === 'conversion');

describe('rollouts: the conversion check', () => {
  it('rolls back a candidate shown to convert worse than the tolerance, counting only attributed, mature predictions', async () => {
    const started = await fx.startOn('conv-bad', [10, 50, 100], withConversion());
    await fx.stepStartedAt(started.id, 30);
    await fx.feed('conv-bad', '1.0.0', 20, 9000, 45);
    await fx.feed('conv-bad', '2.0.0', 20, 1000, 5);
    await fx.predictions('conv-bad', '1.0.0', 15, 10_000, 1000);
    await fx.predictions('conv-bad', '2.0.0', 15, 2000, 300);
    // Converted, but 15 min after the prediction: outside the 5 min attribution window.
    await fx.predictions('conv-bad', '2.0.0', 15, 3000, 3000, 900);
    // Two minutes old: could still convert, so not counted at all (not as 4000 non-conversions).
    await fx.predictions('conv-bad', '2.0.0', 2, 4000, 0);

    const first = await tickRollout(cp.deps, started.id);
    const check = conversionOf(first);
    expect(check).toMatchObject({
      verdict: 'FAIL',
      n: { baseline: 10_000, candidate: 5000 },
      threshold: -0.02,
    });
    // 300/5000 against 1000/10000 (reference interval computed apart, see conversion-check.test.ts).
    expect(check?.estimate).toBeCloseTo(-0.04, 10);
    expect(check?.interval?.upper).toBeCloseTo(-0.026055, 5);
    expect(first?.evaluation.result.decision).toBe('hold');
    expect(await fx.candidateWeight('conv-bad')).toBe(1000);

    const second = await tickRollout(cp.deps, started.id);
    expect(second?.evaluation.result).toMatchObject({
      decision: 'rollback',
      reason: 'conversion failed 2 consecutive ticks',
    });
    expect(await fx.candidateWeight('conv-bad')).toBe(0);
    const view = await cp.admin.rollouts.get.query({ id: started.id });
    expect(view.state).toBe('rolled_back');
    expect(view.ticks[0]?.checks).toContainEqual(
      expect.objectContaining({ check: 'conversion', verdict: 'FAIL' }),
    );
  });

  it('ramps on an inconclusive conversion but waits for approval before promoting, the reason recorded', async () => {
    const started = await fx.startOn('conv-unsure', [10, 50, 100], withConversion());
    await fx.stepStartedAt(started.id, 30);
    await fx.feed('conv-unsure', '1.0.0', 20, 9000, 45);
    await fx.feed('conv-unsure', '2.0.0', 20, 1000, 5);
    await fx.predictions('conv-unsure', '1.0.0', 20, 1000, 100);
    await fx.predictions('conv-unsure', '2.0.0', 20, 1000, 95);
    const first = await tickRollout(cp.deps, started.id);
    expect(conversionOf(first)?.verdict).toBe('INCONCLUSIVE');
    expect(first?.evaluation.result.decision).toBe('advance');
    expect(await fx.candidateWeight('conv-unsure')).toBe(5000);

    // The 50 % step: its own window, its own data.
    await fx.stepStartedAt(started.id, 10);
    await fx.feed('conv-unsure', '1.0.0', 7, 5000, 25);
    await fx.feed('conv-unsure', '2.0.0', 7, 5000, 25);
    await fx.predictions('conv-unsure', '1.0.0', 8, 1000, 100);
    await fx.predictions('conv-unsure', '2.0.0', 8, 1000, 95);
    const second = await tickRollout(cp.deps, started.id);
    expect(conversionOf(second)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      n: { baseline: 1000, candidate: 1000 },
    });
    expect(second?.evaluation.result.decision).toBe('await_approval');
    const waiting = await cp.admin.rollouts.get.query({ id: started.id });
    expect(waiting.state).toBe('waiting_approval');
    expect(waiting.stateReason).toMatch(/^promotion needs approval: conversion: non-inferiority not shown/);
    expect(await fx.candidateWeight('conv-unsure')).toBe(5000);

    const approved = await cp.admin.rollouts.approve.mutate({ id: started.id });
    expect(approved.state).toBe('promoted');
    expect(await fx.candidateWeight('conv-unsure')).toBe(10_000);
  });

  it('promotes a candidate shown non-inferior', async () => {
    const started = await fx.startOn('conv-good', [50, 100], withConversion());
    await fx.stepStartedAt(started.id, 30);
    await fx.feed('conv-good', '1.0.0', 20, 5000, 25);
    await fx.feed('conv-good', '2.0.0', 20, 5000, 25);
    await fx.predictions('conv-good', '1.0.0', 15, 10_000, 1000);
    await fx.predictions('conv-good', '2.0.0', 15, 10_000, 1000);
    const tick = await tickRollout(cp.deps, started.id);
    expect(conversionOf(tick)?.verdict).toBe('PASS');
    expect(conversionOf(tick)?.interval?.lower).toBeCloseTo(-0.013267, 5);
    expect(tick?.evaluation.result.decision).toBe('promote');
    const traffic = await cp.admin.traffic.get.query({ model: 'conv-good' });
    expect(traffic.revision?.baseline).toBe('2.0.0');
    expect(await fx.candidateWeight('conv-good')).toBe(10_000);
  });

  it('rejects conversion settings that cannot work, naming the field', async () => {
    await seedModel(cp.admin, 'conv-inputs', ['1.0.0', '2.0.0']);
    await cp.admin.traffic.promote.mutate({ model: 'conv-inputs', version: '1.0.0' });
    const cases = [
      [{ attributionWindowSeconds: 0 }, 'checks.conversion.attributionWindowSeconds'],
      [{ attributionWindowSeconds: -60 }, 'checks.conversion.attributionWindowSeconds'],
      [{ tolerance: 0.01 }, 'checks.conversion.attributionWindowSeconds'],
      [{ attributionWindowSeconds: 60, tolerance: 1.5 }, 'checks.conversion.tolerance'],
      [{ attributionWindowSeconds: 60, tolerance: -0.01 }, 'checks.conversion.tolerance'],
      [{ attributionWindowSeconds: 60, alpha: 0.9 }, 'checks.conversion.alpha'],
    ] as const;
    for (const [conversion, field] of cases) {
      const error = await cp.admin.rollouts.start
        .mutate({ model: 'conv-inputs', candidate: '2.0.0', checks: { conversion } } as never)
        .catch((e: { message: string; data?: { code?: string } }) => e);
      expect(error, JSON.stringify(conversion)).toMatchObject({
        message: expect.stringContaining(field),
        data: { code: 'BAD_REQUEST' },
      });
    }
    expect(await cp.admin.rollouts.list.query({ model: 'conv-inputs' })).toEqual([]);
  });
});
