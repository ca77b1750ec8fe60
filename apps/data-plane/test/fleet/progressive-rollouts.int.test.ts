import { startTfServingServer, type TfServingServer, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tfServingModel } from '../serving-stack.ts';
import { demo } from '../stack.ts';
import { type Fleet, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import type { ServerProcess } from './processes.ts';
import {
  type BackgroundTraffic,
  type LeaderSampler,
  sampleRolloutLeaders,
  startBackgroundTraffic,
  waitForServedRevision,
} from './rollout-traffic.ts';

// Rollouts against real processes: two control planes (both running the job loop, so both try to
// tick), two data planes flushing rollups every 500 ms, and live prediction traffic. Three rollouts
// run side by side on their own models, because the checks read whole rollup minutes: each step
// needs one full minute of traffic after it starts, so a step takes 1–2 minutes of wall time
// whatever the tick interval, and running the cases one after another would take ten.
//   ramp:    recs 1.0.0 → 2.0.0 with traffic: promoted through 10 → 50 → 100 (keys sticky).
//   regress: recs 1.0.0 → a TF-Serving-shaped backend switched to answer 500: rolled back.
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
let backend: TfServingServer;
let token: string;
let traffic: BackgroundTraffic;
let leaders: LeaderSampler;
const rollouts: Record<'ramp' | 'regress' | 'idle', string> = { ramp: '', regress: '', idle: '' };
/** What the data planes served each probe key at the ramp's first step (10 %). */
let servedAtFirstStep: Map<string, string>;

beforeAll(async () => {
  fleet = await startFleet();
  secondControlPlane = await fleet.startControlPlane();
  backend = await startTfServingServer([await tfServingModel(demo('recs', '1.0.0'), 'recs-tf')]);
  const [v1, v2] = [demo('recs', '1.0.0'), demo('recs', '2.0.0')];
  for (const model of ['ramp', 'regress', 'idle']) {
    await fleet.register(v1, { model });
    if (model === 'regress') {
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
  // About 10 requests a second per model: a 10 % step sees ~60 candidate requests a minute.
  traffic = startBackgroundTraffic(replicas, ['ramp', 'regress'], token, 200);
}, 180_000);

afterAll(async () => {
  await traffic?.stop();
  await leaders?.stop();
  await backend?.close();
  await fleet?.close();
});

/** Second-scale ticks; a 10 s warm-up keeps the probes below (sent right after a step) out of the windows. */
function startArgs(model: string, minSamples: number): string[] {
  const checks = { warmupSeconds: 10, failureLimit: 2, latency: { dryRun: true } };
  return [
    'rollouts',
    'start',
    `${model}@2.0.0`,
    '--steps',
    '10,50,100',
    '--bake',
    '0',
    '--min-samples',
    String(minSamples),
    '--tick',
    '1',
    '--checks',
    JSON.stringify(checks),
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
    const counts = { ramp: traffic.counts('ramp'), regress: traffic.counts('regress') };
    throw new Error(`${String(error)}\nlast: ${last}\ntraffic: ${JSON.stringify(counts)}`);
  }
}

async function ticks(id: string) {
  return fleet.database.db
    .selectFrom('rollout_ticks')
    .selectAll()
    .where('rollout_id', '=', id)
    .orderBy('id')
    .execute();
}

async function auditCount(model: string, action: string): Promise<number> {
  const rows = await fleet.database.db
    .selectFrom('audit_log')
    .select('id')
    .where('target', '=', model)
    .where('action', '=', action)
    .execute();
  return rows.length;
}

describe('rollouts with real control planes, data planes and traffic', () => {
  it('starts three rollouts; the data planes serve the first step', async () => {
    for (const [model, minSamples] of [
      ['ramp', 10],
      ['regress', 10],
      // Even with no sample floor, a candidate without traffic must not pass.
      ['idle', 0],
    ] as const) {
      const started = await fleet.json<RolloutJson>(startArgs(model, minSamples));
      expect(started).toMatchObject({ state: 'running', currentStep: 0, currentWeight: 10 });
      rollouts[model] = started.id;
    }
    servedAtFirstStep = await waitForServedRevision(fleet.database, replicas, 'ramp', KEYS, token);
    const onCandidate = [...servedAtFirstStep.values()].filter((v) => v === 'ramp@2.0.0').length;
    expect(onCandidate).toBeGreaterThan(0);
    expect(onCandidate).toBeLessThan(KEYS.length / 4);

    // The regression is injected once the candidate has answered: it loaded and served, then broke.
    await waitForServedRevision(fleet.database, replicas, 'regress', KEYS, token);
    backend.mode = 'error';
  }, 60_000);

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
      const checks = (last?.checks ?? []) as { check: string; verdict: string; n: { candidate: number } }[];
      const errorRate = checks.find((c) => c.check === 'error_rate');
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
    expect(await auditCount('ramp', 'rollout.advance')).toBe(1);
    expect(await auditCount('ramp', 'rollout.promote')).toBe(1);
    expect(await auditCount('regress', 'rollout.rollback')).toBe(1);
    // promote 1.0.0, rollout start, then one revision per transition.
    const revisions = await fleet.admin.traffic.history.query({ model: 'ramp' });
    expect(revisions.length).toBe(4);
    for (const cp of [fleet.controlPlane, secondControlPlane]) {
      expect(cp.process.output()).not.toContain('rollout tick failed');
    }
  });
});
