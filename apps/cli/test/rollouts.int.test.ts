import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectOneLineError,
  type PostgresControlPlane,
  startPostgresControlPlane,
} from './postgres-control-plane.ts';

let cp: PostgresControlPlane;

beforeAll(async () => {
  cp = await startPostgresControlPlane();
  await cp.json(['models', 'create', 'recs']);
  for (const version of ['1.0.0', '2.0.0']) {
    await cp.json([
      'versions',
      'register',
      `recs@${version}`,
      '--backend',
      'oip',
      '--endpoint',
      'http://127.0.0.1:9000',
      '--remote-name',
      'recs',
    ]);
  }
  await cp.json(['traffic', 'promote', 'recs@1.0.0', '--no-wait']);
});

afterAll(async () => {
  await cp?.close();
});

interface RolloutJson {
  id: string;
  state: string;
  currentWeight: number;
  steps: number[];
}

describe('modelplane rollouts', () => {
  it('refuses a ladder that goes down, naming --steps', async () => {
    expectOneLineError(await cp.cli(['rollouts', 'start', 'recs@2.0.0', '--steps', '10,5,100']), 1, /steps/);
  });

  it('starts, shows the ladder, blocks manual traffic, and aborts', async () => {
    const started = await cp.json<RolloutJson>(['rollouts', 'start', 'recs@2.0.0', '--steps', '10,50,100']);
    expect(started).toMatchObject({ state: 'running', currentWeight: 10, steps: [10, 50, 100] });

    const shown = await cp.cli(['rollouts', 'show', started.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('[10%] → 50% → 100%');
    expect(shown.stdout).toContain('running');

    const listed = await cp.json<RolloutJson[]>(['rollouts', '--model', 'recs']);
    expect(listed.map((r) => r.id)).toEqual([started.id]);

    expectOneLineError(
      await cp.cli(['traffic', 'canary', 'recs@2.0.0', '--percent', '50', '--no-wait']),
      1,
      /rollout/,
    );

    const paused = await cp.cli(['rollouts', 'pause', started.id]);
    expect(paused.code).toBe(0);
    const aborted = await cp.json<RolloutJson>(['rollouts', 'abort', started.id]);
    expect(aborted.state).toBe('aborted');

    // The history shows operators' actions beside the controller's, newest first.
    const history = await cp.cli(['rollouts', 'show', started.id]);
    const events = history.stdout.slice(history.stdout.indexOf('events:'));
    expect(events).toMatch(/abort[\s\S]*pause[\s\S]*start/);
    expect(events).toContain('10% → 0%');
    const json = await cp.json<{ events: { kind: string; actor: string }[] }>([
      'rollouts',
      'show',
      started.id,
    ]);
    expect(json.events.map((e) => e.kind)).toEqual(['rollout.abort', 'rollout.pause', 'rollout.start']);
  });

  it('answers to `rollout` and `status`, and promotes now with a reason, naming it when missing', async () => {
    const started = await cp.json<RolloutJson>(['rollout', 'start', 'recs@2.0.0', '--steps', '5,100']);
    const status = await cp.cli(['rollout', 'status', started.id]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('[5%] → 100%');

    expectOneLineError(await cp.cli(['rollout', 'promote-now', 'recs']), 2, /--reason/);
    const promoted = await cp.cli(['rollout', 'promote-now', 'recs', '--reason', 'hotfix INC-7']);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toContain('promoted (promoted now by');
    expect(promoted.stdout).toContain('analysis skipped: hotfix INC-7');
    const traffic = await cp.json<{ revision: { baseline: string } }>(['traffic', 'show', 'recs']);
    expect(traffic.revision.baseline).toBe('2.0.0');
  });
});
