// The CI smoke of the harness: each scenario runs for a second or two against real processes,
// Postgres and Redis, and must produce sane numbers. It never checks a target: those are for
// `pnpm bench` on a quiet machine, and a shared CI core says nothing about them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCores } from './harness/cores.ts';
import { stopStarted } from './harness/processes.ts';
import { type BenchEnvironment, openEnvironment } from './infra/environment.ts';
import { httpRows } from './report/http-rows.ts';
import { renderMarkdown } from './report/markdown.ts';
import { evaluateTargets } from './report/targets.ts';
import type { BenchReport } from './report/types.ts';
import { runHttpTargets } from './scenarios/http-runner.ts';
import { runPropagation } from './scenarios/propagation.ts';
import { runRouter } from './scenarios/router.ts';
import { prepareServing } from './scenarios/serving.ts';
import { type PathProfile, profileStages } from './scenarios/stages.ts';
import type { HttpResults, ScenarioContext } from './scenarios/types.ts';
import { countLegacyLogRows } from './servers/legacy/legacy-schema.ts';
import { SMOKE_SETTINGS } from './settings.ts';

const layout = detectCores();
/** Servers with no load shedding: any non-2xx from them is an error. */
const REFERENCE_SERVERS = new Set(['floor', 'onnx-minimal', 'legacy']);
let env: BenchEnvironment;
let ctx: ScenarioContext;
let http: HttpResults = new Map();
let stages: PathProfile[] = [];

beforeAll(async () => {
  env = await openEnvironment(layout);
  ctx = { env, layout, settings: SMOKE_SETTINGS, log: () => {} };
});

afterAll(async () => {
  await env?.close();
  await stopStarted();
});

describe('bench smoke', () => {
  it('scenario 8: the router makes decisions on one core', async () => {
    const router = await runRouter(ctx);
    expect(router.calls).toBeGreaterThan(0);
    expect(router.perCpuSecond).toBeGreaterThan(0);
  });

  it('scenarios 1 to 5 and 7: every server answers the load, with no error but load shedding', async () => {
    const serving = await prepareServing(ctx);
    try {
      http = await runHttpTargets(ctx, serving.targets);
      stages = await profileStages(ctx, serving.stack);
    } finally {
      await serving.stop();
    }
    // The profile found the data plane's own code on both paths, and its stages add up to the
    // main thread's total.
    expect(stages.map((p) => p.id)).toEqual(['inference', 'cache-hit']);
    for (const path of stages) {
      expect(path.requests).toBeGreaterThan(0);
      expect(path.stages.some((s) => s.stage.startsWith('data-plane ') && s.usPerRequest > 0)).toBe(true);
      const sum = path.stages.reduce((total, s) => total + s.usPerRequest, 0);
      expect(sum).toBeCloseTo(path.mainThreadUsPerRequest, 3);
    }
    const ids = [
      'floor',
      'modelplane',
      'modelplane-log-off',
      'modelplane-cache-miss',
      'onnx-minimal',
      'legacy',
      'recs-batched',
      'heavy-batched',
      'heavy-workers',
    ];
    expect([...http.keys()]).toEqual(expect.arrayContaining(ids));
    for (const m of http.values()) {
      expect({ id: m.id, errors: m.load.errors }).toEqual({ id: m.id, errors: 0 });
      // A data plane on a starved CI core may shed load (429/503 by design); anything else is a bug.
      const allowed = REFERENCE_SERVERS.has(m.id) ? [] : ['429', '503'];
      const unexpected = Object.keys(m.load.statusCodes).filter(
        (c) => !c.startsWith('2') && !allowed.includes(c),
      );
      expect({ id: m.id, unexpected }).toEqual({ id: m.id, unexpected: [] });
      expect(m.load.non2xx).toBeLessThan(m.load.requests / 2);
      expect(m.load.rps).toBeGreaterThan(0);
      expect(m.load.latency.p50).toBeGreaterThan(0);
      expect(m.load.latency.p999).toBeGreaterThanOrEqual(m.load.latency.p99);
      expect(m.cpuMsPerRequest.server).toBeGreaterThan(0);
    }
    // Scenario 7: the log kept up with the load (a generous bound: a write may still be in flight).
    expect(http.get('modelplane')?.counters.logRows).toBeGreaterThanOrEqual(
      http.get('modelplane')!.load.requests * 0.9,
    );
    // The all-miss row missed: every measured request ran the model, none was a hit.
    const misses = http.get('modelplane-cache-miss')!;
    expect(misses.counters.cacheMisses).toBeGreaterThanOrEqual(misses.load.requests * 0.9);
    expect(misses.counters.cacheHits).toBe(0);
    // The old design hits Postgres on every request: its backends show CPU, and every answer left a row.
    expect(http.get('legacy')?.cpuMsPerRequest.postgres).toBeGreaterThan(0);
    expect(await countLegacyLogRows(env.database.url)).toBeGreaterThanOrEqual(
      http.get('legacy')!.load.requests,
    );
    // Eight servers under load one after another: on a loaded two-core machine this takes minutes.
  }, 300_000);

  it('scenario 6: four replicas follow traffic changes, lost messages and a CLI rollback', async () => {
    const result = await runPropagation(ctx);
    expect(result.allReplicas.samples).toBe(SMOKE_SETTINGS.propagationChanges);
    expect(result.perReplica.samples).toBe(SMOKE_SETTINGS.propagationChanges * 4);
    // Delivery and apply split each replica's figure: a swap never precedes its message.
    expect(result.perReplicaDelivered.samples).toBe(SMOKE_SETTINGS.propagationChanges * 4);
    expect(result.perReplicaApplying.p50).toBeGreaterThanOrEqual(0);
    expect(result.perReplicaDelivered.max).toBeLessThanOrEqual(result.perReplica.max);
    expect(result.lostMessage.samples).toBe(SMOKE_SETTINGS.convergenceTrials);
    expect(result.rollbackError).toBeNull();
    expect(result.rollback?.samples).toBe(SMOKE_SETTINGS.convergenceTrials);
    for (const t of [result.allReplicasPolled, result.lostMessage, result.rollback!]) {
      expect(Number.isFinite(t.max)).toBe(true);
      expect(t.p50).toBeGreaterThanOrEqual(0);
    }
    // The replicas' own stamps may precede the call's return (the message is published before it
    // answers), but not by seconds, and never come after the polls saw the change (5 ms for clocks).
    expect(Number.isFinite(result.allReplicas.max)).toBe(true);
    expect(result.allReplicas.p50).toBeGreaterThan(-1000);
    expect(result.allReplicas.max).toBeLessThanOrEqual(result.allReplicasPolled.max + 5);

    const rows = httpRows(http);
    const report = { http: rows, propagation: result, router: null, stages, notRun: [], failures: [] };
    const targets = evaluateTargets(rows, result, null);
    expect(targets.map((t) => t.scenario)).toEqual(expect.arrayContaining([3, 5, 6]));
    const markdown = renderMarkdown({ ...report, targets } as unknown as BenchReport);
    expect(markdown).toMatch(/\| HTTP floor: bare Fastify echo +\| /);
    expect(markdown).toMatch(/### Where the time goes/);
  });
});
