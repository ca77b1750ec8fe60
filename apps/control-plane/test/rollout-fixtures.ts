import { insertFeedback, insertPredictionLog, upsertRollups } from '@modelplane/db';
import { emptyHistogram, latencyBucket } from '@modelplane/stats';
import { sql } from 'kysely';
import { type Harness, seedModel } from './harness.ts';
import { exposure } from './monitoring-fixtures.ts';

export const MIN = 60_000;

/** Fast, permissive settings so a test's data alone decides: no warm-up, bake or long waits. */
export const fastChecks = {
  warmupSeconds: 0,
  // The tests write whole minutes themselves, so none is ever half-flushed.
  rollupLagSeconds: 0,
  failureLimit: 2,
  errorLimit: 2,
  maxStepDurationSeconds: 86_400,
  errorRate: { tolerance: 0.005, alpha: 0.05, critical: true, dryRun: false },
  latency: { maxRatio: 1.5, minTailSamples: 10, maxCacheHitShare: 0.01, critical: false, dryRun: false },
  srm: { pThreshold: 0.001 },
};

/** The database's current minute: rollups, predictions and step starts are placed relative to it. */
export async function databaseMinute(cp: Harness): Promise<number> {
  const { rows } = await sql<{ t: Date }>`SELECT date_trunc('minute', now()) AS t`.execute(cp.deps.db);
  return new Date(rows[0]?.t ?? 0).getTime();
}

/** Rollout helpers for one control plane, at the database minute `T`. */
export function rolloutFixtures(cp: Harness, T: number) {
  /**
   * One minute of rollups with `hits` answered by a cache in 1 ms and `misses` computed in `missMs`;
   * `unsplit` writes the row as a replica that predates the uncached histogram does.
   */
  async function feedCached(
    model: string,
    version: string,
    minutesAgo: number,
    {
      hits,
      misses,
      missMs,
      errors = 0,
      unsplit = false,
    }: Record<'hits' | 'misses' | 'missMs', number> & { errors?: number; unsplit?: boolean },
  ) {
    const uncached = emptyHistogram();
    uncached[latencyBucket(missMs)] = misses;
    const all = [...uncached];
    all[latencyBucket(1)] = (all[latencyBucket(1)] ?? 0) + hits;
    await upsertRollups(cp.deps.db, [
      {
        minute: new Date(T - minutesAgo * MIN),
        model,
        version,
        replicaId: 'r1',
        requests: hits + misses,
        errors,
        clientErrors: 0,
        cacheHits: hits,
        latencyBuckets: all,
        uncachedLatencyBuckets: unsplit ? null : uncached,
      },
    ]);
  }

  return {
    /** Model with 1.0.0 (the baseline) and 2.0.0, and a rollout of 2.0.0 on `steps`. */
    async startOn(model: string, steps: number[], extra: Record<string, unknown> = {}) {
      await seedModel(cp.admin, model, ['1.0.0', '2.0.0']);
      await cp.admin.traffic.promote.mutate({ model, version: '1.0.0' });
      return cp.admin.rollouts.start.mutate({
        model,
        candidate: '2.0.0',
        steps,
        minBakeSeconds: 0,
        minSamplesPerArm: 500,
        tickIntervalSeconds: 1,
        checks: fastChecks,
        ...extra,
      });
    },

    /** Moves the current step's start to `minutesAgo` minutes before T (time passing, not a transition). */
    async stepStartedAt(id: string, minutesAgo: number) {
      await cp.deps.db
        .updateTable('rollouts')
        .set({ step_started_at: new Date(T - minutesAgo * MIN) })
        .where('id', '=', id)
        .execute();
    },

    /** One minute of rollups for a version, as a data plane flushes it: all requests uncached, at `ms`. */
    async feed(
      model: string,
      version: string,
      minutesAgo: number,
      requests: number,
      errors: number,
      ms = 10,
    ) {
      await feedCached(model, version, minutesAgo, { hits: 0, misses: requests, missMs: ms, errors });
    },

    feedCached,

    /**
     * `units` logged predictions of `version` made `minutesAgo` before T, the first `conversions` of
     * them with a conversion received `feedbackAfterSeconds` after the prediction, as replicas write them.
     */
    async predictions(
      model: string,
      version: string,
      minutesAgo: number,
      units: number,
      conversions: number,
      feedbackAfterSeconds = 30,
    ) {
      const at = T - minutesAgo * MIN;
      const tag = `${model}-${version}-${minutesAgo}-${Math.random().toString(36).slice(2, 8)}`;
      const ids = Array.from({ length: units }, (_, i) => `${tag}-${i}`);
      await insertPredictionLog(
        cp.deps.db,
        ids.map((id) => exposure(model, id, version, null, { createdAt: new Date(at) })),
      );
      await insertFeedback(
        cp.deps.db,
        ids.slice(0, conversions).map((id) => ({
          id: `fb-${id}`,
          requestId: id,
          model,
          kind: 'conversion' as const,
          value: 1,
          receivedAt: new Date(at + feedbackAfterSeconds * 1000),
          replicaId: 'r1',
        })),
      );
    },

    /** The candidate's weight in basis points in the model's active revision. */
    async candidateWeight(model: string): Promise<number> {
      const traffic = await cp.admin.traffic.get.query({ model });
      return traffic.revision?.weights.find((w) => w.version === '2.0.0')?.weight ?? 0;
    },
  };
}
