import { startTfServingServer, type TfServingServer, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tfServingModel } from '../serving-stack.ts';
import { demo } from '../stack.ts';
import { type Fleet, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import type { ServerProcess } from './processes.ts';
import {
  auditCount,
  type BackgroundTraffic,
  type LeaderSampler,
  rolloutTicks,
  sampleRolloutLeaders,
  startBackgroundTraffic,
  waitForServedRevision,
} from './rollout-traffic.ts';

// Rollouts against real processes: two control planes (both running the job loop, so both try to
// tick), two data planes flushing rollups every 500 ms, and live prediction traffic. The rollouts
// run side by side on their own models, because the checks read whole rollup minutes: each step
// needs one full minute of traffic after it starts, so a step takes 1–2 minutes of wall time
// whatever the tick interval, and running the cases one after another would take a quarter hour.
//   ramp:    recs 1.0.0 → 2.0.0 with traffic: promoted through 10 → 50 → 100 (keys sticky).
//   regress: recs 1.0.0 → a TF-Serving-shaped backend switched to answer 500: rolled back at once.
//   slow:    recs 1.0.0 → a backend switched to answer 250 ms late: rolled back after failureLimit.
//   gated:   recs 1.0.0 → a backend that breaks while promotion waits for approval: rolled back.
//   idle:    recs 1.0.0 → 2.0.0 with no traffic at all: holds at 10 % and never promotes.

const KEYS = Array.from({ length: 200 }, (_, i) => `probe-${i}`);
/** Generous: a step waits for the minute after its warm-up to close, then for rollups to flush. */
const STEP_MS = 180_000;

interface RolloutJson {
  id: string;
  state: string;
  currentStep: number;
  currentWeight: number | null;
}

let fleet: Fleet;
let secondControlPlane: ServerProcess;
let replicas: ReplicaProcess[];
/** One TF-Serving-shaped server per remote candidate, so each can be broken on its own. */
const backends: Partial<Record<'regress' | 'slow' | 'gated', TfServingServer>> = {};
let token: string;
let traffic: BackgroundTraffic;
let leaders: LeaderSampler;
const rollouts = { ramp: '', regress: '', slow: '', gated: '', idle: '' };
type Model = keyof typeof rollouts;
/** What the data planes served each probe key at the ramp's first step (10 %). */
let servedAtFirstStep: Map<string, string>;

beforeAll(async () => {
  fleet = await startFleet();
  secondControlPlane = await fleet.startControlPlane();
  const [v1, v2] = [demo('recs', '1.0.0'), demo('recs', '2.0.0')];
  for (const model of Object.keys(rollouts) as Model[]) {
    await fleet.register(v1, { model });
    if (model === 'regress' || model === 'slow' || model === 'gated') {
      const backend = await startTfServingServer([await tfServingModel(v1, 'recs-tf')]);
      backends[model] = backend;
      await fleet.register(v2, {
        model,
        source: ['--backend', 'tfserving', '--endpoint', backend.url, '--remote-name', 'recs-tf'],
      });
    } else {
      await fleet.register(v2, { model });
    }
    await fleet.json(['traffic', 'promote', `${model}@1.0.0`]);
  }
  token = (await fleet.createPredictToken('rollout-traffic')).token;
  replicas = await Promise.all(
    ['ro-a', 'ro-b'].map((id) => fleet.startReplica({ id, env: { ROLLUP_FLUSH_MS: '500' } })),
  );
  await Promise.all(replicas.map((r) => waitForStatus(`${r.url}/readyz`, 200)));
  leaders = sampleRolloutLeaders(fleet.database);
  // About 8 requests a second per model: a 10 % step sees ~50 candidate requests a minute.
  traffic = startBackgroundTraffic(replicas, ['ramp', 'regress', 'slow', 'gated'], token, 250);
}, 180_000);

afterAll(async () => {
  await traffic?.stop();
  await leaders?.stop();
  for (const backend of Object.values(backends)) await backend.close();
  await fleet?.close();
});

interface StartOptions {
  steps?: string;
  minSamples?: number;
  checks?: Record<string, unknown>;
  flags?: string[];
}

/** Second-scale ticks; a 10 s warm-up keeps the probes below (sent right after a step) out of the windows. */
function startArgs(model: Model, options: StartOptions = {}): string[] {
  const checks = {
    warmupSeconds: 10,
    rollupLagSeconds: 2,
    failureLimit: 2,
    latency: { dryRun: true },
    ...options.checks,
  };
  return [
    'rollouts',
    'start',
    `${model}@2.0.0`,
    '--steps',
    options.steps ?? '10,50,100',
    '--bake',
    '0',
    '--min-samples',
    String(options.minSamples ?? 10),
    '--tick',
    '1',
    '--checks',
    JSON.stringify(checks),
    ...(options.flags ?? []),
  ];
}

function getRollout(id: string) {
  return fleet.admin.rollouts.get.query({ id });
}

async function waitForRollout(id: string, done: (r: RolloutJson) => boolean, what: string) {
  let last = '';
  try {
    return await waitFor(
      async () => {
        const rollout = await getRollout(id);
        const tick = rollout.ticks[0];
        last = JSON.stringify({ state: rollout.state, step: rollout.currentStep, tick });
        return done(rollout) ? rollout : null;
      },
      { timeoutMs: STEP_MS - 5000, intervalMs: 500, message: `rollout ${id} ${what}` },
    );
  } catch (error) {
    // Say why it is stuck: the last tick's checks and what the traffic got back.
    const counts = Object.fromEntries(Object.keys(rollouts).map((m) => [m, traffic.counts(m)]));
    throw new Error(`${String(error)}\nlast: ${last}\ntraffic: ${JSON.stringify(counts)}`);
  }
}

const ticks = (id: string) => rolloutTicks(fleet.database, id);

/** The checks of a stored tick, by name. */
function checkOf(tick: { checks: unknown } | undefined, name: string) {
  const checks = (tick?.checks ?? []) as { check: string; verdict: string; n: { candidate: number } }[];
  return checks.find((c) => c.check === name);
}

describe('rollouts with real control planes, data planes and traffic', () => {
  it('starts the rollouts; the data planes serve the first step', async () => {
    const latency = { maxRatio: 2, minTailSamples: 1, critical: false, dryRun: false };
    const options: Record<Model, StartOptions> = {
      ramp: {},
      regress: {},
      // 50 %: the tail rule needs 100 requests per arm per window with minTailSamples 1.
      slow: { steps: '50,100', checks: { latency } },
      gated: { steps: '50,100', flags: ['--approve-promotion'] },
      // Even with no sample floor, a candidate without traffic must not pass.
      idle: { minSamples: 0 },
    };
    for (const model of Object.keys(rollouts) as Model[]) {
      const started = await fleet.json<RolloutJson>(startArgs(model, options[model]));
      expect(started).toMatchObject({ state: 'running', currentStep: 0 });
      rollouts[model] = started.id;
    }
    servedAtFirstStep = await waitForServedRevision(fleet.database, replicas, 'ramp', KEYS, token);
    const onCandidate = [...servedAtFirstStep.values()].filter((v) => v === 'ramp@2.0.0').length;
    expect(onCandidate).toBeGreaterThan(0);
    expect(onCandidate).toBeLessThan(KEYS.length / 4);

    // The regressions are injected once the candidates have answered: they loaded and served, then broke.
    for (const model of ['regress', 'slow'] as const) {
      await waitForServedRevision(fleet.database, replicas, model, KEYS.slice(0, 40), token);
    }
    (backends.regress as TfServingServer).mode = 'error';
    (backends.slow as TfServingServer).delayMs = 250;
  }, 90_000);

  it(
    'raises the ramp to 50 %: keys only move from baseline to candidate, as the data planes serve them',
    async () => {
      // First in line after the start: the advance and the rollback are both judged on the first minute.
      const advanced = await waitForRollout(rollouts.ramp, (r) => r.currentStep >= 1, 'reaches step 50');
      expect(advanced).toMatchObject({ state: 'running', currentStep: 1, currentWeight: 50 });
      const served = await waitForServedRevision(fleet.database, replicas, 'ramp', KEYS, token);
      const moved: string[] = [];
      for (const key of KEYS) {
        const before = servedAtFirstStep.get(key);
        const after = served.get(key);
        // A key on the candidate stays there; the only change allowed is baseline → candidate.
        if (before === 'ramp@2.0.0') expect(after, key).toBe('ramp@2.0.0');
        if (before !== after) moved.push(`${before} → ${after}`);
      }
      expect(new Set(moved)).toEqual(new Set(['ramp@1.0.0 → ramp@2.0.0']));
      const onCandidate = [...served.values()].filter((v) => v === 'ramp@2.0.0').length;
      expect(onCandidate).toBeGreaterThan(KEYS.length * 0.35);
      expect(onCandidate).toBeLessThan(KEYS.length * 0.65);
    },
    STEP_MS,
  );

  it(
    'rolls back an injected error-rate regression; the data planes then serve the baseline only',
    async () => {
      const done = await waitForRollout(rollouts.regress, (r) => r.state !== 'running', 'leaves running');
      expect(done.state).toBe('rolled_back');
      const last = (await ticks(rollouts.regress)).at(-1);
      const errorRate = checkOf(last, 'error_rate');
      expect(last).toMatchObject({ decision: 'rollback', step: 0, state: 'rolled_back' });
      expect(errorRate).toMatchObject({ verdict: 'FAIL' });
      expect(errorRate?.n.candidate).toBeGreaterThan(0);
      // Errors the users saw came from the candidate only.
      const counts = traffic.counts('regress');
      expect(Object.keys(counts).filter((k) => !k.startsWith('200 '))).toEqual(
        Object.keys(counts).filter((k) => k.endsWith('regress@2.0.0') && !k.startsWith('200 ')),
      );

      const served = await waitForServedRevision(fleet.database, replicas, 'regress', KEYS, token);
      expect(new Set(served.values())).toEqual(new Set(['regress@1.0.0']));
    },
    STEP_MS,
  );

  it(
    'rolls back a latency regression after failureLimit consecutive failing ticks',
    async () => {
      const done = await waitForRollout(rollouts.slow, (r) => r.state !== 'running', 'leaves running');
      expect(done.state).toBe('rolled_back');
      const all = await ticks(rollouts.slow);
      const failing = all.filter((t) => checkOf(t, 'latency_p99')?.verdict === 'FAIL');
      // The first FAIL holds (1 of 2), the second rolls back: nothing moved before.
      expect(failing.map((t) => t.decision)).toEqual(['hold', 'rollback']);
      expect(all.filter((t) => t.decision !== 'hold').map((t) => t.decision)).toEqual(['rollback']);
      expect(checkOf(all.at(-1), 'error_rate')?.verdict).toBe('PASS');

      const served = await waitForServedRevision(fleet.database, replicas, 'slow', KEYS, token);
      expect(new Set(served.values())).toEqual(new Set(['slow@1.0.0']));
    },
    STEP_MS,
  );

  it(
    'keeps rollback armed while promotion waits for approval',
    async () => {
      await waitForRollout(rollouts.gated, (r) => r.state === 'waiting_approval', 'waits for approval');
      (backends.gated as TfServingServer).mode = 'error';
      const done = await waitForRollout(
        rollouts.gated,
        (r) => r.state !== 'waiting_approval',
        'leaves waiting_approval',
      );
      expect(done.state).toBe('rolled_back');
      const moves = (await ticks(rollouts.gated)).filter((t) => t.decision !== 'hold');
      expect(moves.map((t) => [t.decision, t.state])).toEqual([
        ['await_approval', 'waiting_approval'],
        ['rollback', 'rolled_back'],
      ]);
      const served = await waitForServedRevision(fleet.database, replicas, 'gated', KEYS, token);
      expect(new Set(served.values())).toEqual(new Set(['gated@1.0.0']));
    },
    STEP_MS * 2,
  );

  it(
    'promotes a good candidate with traffic through every step; the data planes serve it alone',
    async () => {
      const done = await waitForRollout(rollouts.ramp, (r) => r.state !== 'running', 'leaves running');
      expect(done.state).toBe('promoted');
      const moves = (await ticks(rollouts.ramp)).filter((t) => t.decision !== 'hold');
      expect(moves.map((t) => [t.decision, t.weight])).toEqual([
        ['advance', 50],
        ['promote', 100],
      ]);
      const traffic = await fleet.admin.traffic.get.query({ model: 'ramp' });
      expect(traffic.revision?.weights).toEqual([
        expect.objectContaining({ version: '2.0.0', weight: 10000 }),
      ]);

      const served = await waitForServedRevision(fleet.database, replicas, 'ramp', KEYS, token);
      expect(new Set(served.values())).toEqual(new Set(['ramp@2.0.0']));
    },
    STEP_MS,
  );

  it('holds a good candidate without traffic at its first step, over whole empty minutes', async () => {
    const rollout = await getRollout(rollouts.idle);
    expect(rollout).toMatchObject({ state: 'running', currentStep: 0, currentWeight: 10 });
    const all = await ticks(rollouts.idle);
    expect(all.length).toBeGreaterThan(30);
    expect(new Set(all.map((t) => t.decision))).toEqual(new Set(['hold']));
    // Ticks that judged at least one whole minute (not only an empty window before the first one).
    const judged = all.filter((t) => new Date(t.window_end) > new Date(t.window_start));
    expect(judged.length).toBeGreaterThan(0);
    for (const tick of judged) {
      expect(tick.reason).toMatch(/inconclusive: error_rate/);
    }
    const traffic = await fleet.admin.traffic.get.query({ model: 'idle' });
    expect(traffic.revision?.weights).toContainEqual(
      expect.objectContaining({ version: '2.0.0', weight: 1000 }),
    );
  });

  it('runs one controller across two control planes: every tick once per interval, every transition once', async () => {
    // Both control planes took the leader claim at some point, so both were really competing.
    const pids = [fleet.controlPlane.process.pid, secondControlPlane.process.pid];
    expect([...leaders.seen].map((runner) => Number(runner.split('-')[1])).sort()).toEqual(
      expect.arrayContaining(pids.sort()),
    );
    for (const id of Object.values(rollouts)) {
      const at = (await ticks(id)).map((t) => new Date(t.ticked_at).getTime());
      // tickIntervalSeconds is 1: two ticks closer than that would be one period ticked twice.
      const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
      expect(Math.min(...gaps), id).toBeGreaterThanOrEqual(999);
    }
    expect(await auditCount(fleet.database, 'ramp', 'rollout.advance')).toBe(1);
    expect(await auditCount(fleet.database, 'ramp', 'rollout.promote')).toBe(1);
    expect(await auditCount(fleet.database, 'regress', 'rollout.rollback')).toBe(1);
    expect(await auditCount(fleet.database, 'slow', 'rollout.rollback')).toBe(1);
    expect(await auditCount(fleet.database, 'gated', 'rollout.await_approval')).toBe(1);
    expect(await auditCount(fleet.database, 'gated', 'rollout.rollback')).toBe(1);
    // promote 1.0.0, rollout start, then one revision per transition.
    const revisions = await fleet.admin.traffic.history.query({ model: 'ramp' });
    expect(revisions.length).toBe(4);
    for (const cp of [fleet.controlPlane, secondControlPlane]) {
      expect(cp.process.output()).not.toContain('rollout tick failed');
    }
  });
});
