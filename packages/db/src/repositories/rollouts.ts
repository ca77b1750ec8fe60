import { sql } from 'kysely';
import type { RolloutRow, RolloutState, RolloutTickRow } from '../types.ts';
import type { Executor } from './executor.ts';
import { uncachedSplitKnown } from './rollup-histograms.ts';

/** States in which a rollout still owns its model's traffic. */
export const ACTIVE_ROLLOUT_STATES: readonly RolloutState[] = ['running', 'waiting_approval', 'paused'];

export interface NewRollout {
  id: string;
  modelId: string;
  candidateVersionId: string;
  baselineVersionId: string;
  steps: number[];
  minBakeSeconds: number;
  minSamplesPerArm: number;
  checkConfig: Record<string, unknown>;
  tickIntervalSeconds: number;
  options: Record<string, unknown>;
  createdBy: string;
}

/** Inserts a running rollout at step 0; its step starts at the database's now(). */
export async function insertRollout(db: Executor, r: NewRollout): Promise<RolloutRow> {
  return db
    .insertInto('rollouts')
    .values({
      id: r.id,
      model_id: r.modelId,
      candidate_version_id: r.candidateVersionId,
      baseline_version_id: r.baselineVersionId,
      steps: JSON.stringify(r.steps),
      min_bake_seconds: r.minBakeSeconds,
      min_samples_per_arm: r.minSamplesPerArm,
      check_config: JSON.stringify(r.checkConfig),
      tick_interval_seconds: r.tickIntervalSeconds,
      options: JSON.stringify(r.options),
      state: 'running',
      current_step: 0,
      step_started_at: sql<Date>`now()`,
      created_by: r.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findRollout(db: Executor, id: string): Promise<RolloutRow | undefined> {
  return db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The model's running, waiting or paused rollout, if any (at most one, by a unique index). */
export async function findActiveRollout(db: Executor, modelId: string): Promise<RolloutRow | undefined> {
  return db
    .selectFrom('rollouts')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('state', 'in', ACTIVE_ROLLOUT_STATES)
    .executeTakeFirst();
}

export async function listRollouts(
  db: Executor,
  modelId: string | null,
  limit: number,
): Promise<RolloutRow[]> {
  let query = db.selectFrom('rollouts').selectAll().orderBy('created_at', 'desc').limit(limit);
  if (modelId) query = query.where('model_id', '=', modelId);
  return query.execute();
}

/** Active rollouts whose tick interval has passed since their last tick (database clock). */
export async function listDueRollouts(db: Executor): Promise<RolloutRow[]> {
  return db
    .selectFrom('rollouts')
    .selectAll()
    .where('state', 'in', ACTIVE_ROLLOUT_STATES)
    .where((eb) =>
      eb.or([
        eb('last_tick_at', 'is', null),
        eb('last_tick_at', '<=', sql<Date>`now() - make_interval(secs => tick_interval_seconds)`),
      ]),
    )
    .orderBy('id')
    .execute();
}

export interface RolloutChange {
  state?: RolloutState;
  currentStep?: number;
  /** Restart the step's clock at the database's now(). */
  restartStep?: boolean;
  consecutiveFailures?: number;
  consecutiveErrors?: number;
  ticked?: boolean;
  stateReason?: string;
}

/**
 * Applies a change only if the row is still at `expectedVersion`, and bumps the version. Returns
 * false when another writer (a stale leader, a concurrent operator) got there first.
 */
export async function updateRolloutIfVersion(
  db: Executor,
  id: string,
  expectedVersion: number,
  change: RolloutChange,
): Promise<boolean> {
  const result = await db
    .updateTable('rollouts')
    .set((eb) => ({
      version: eb('version', '+', 1),
      updated_at: sql<Date>`now()`,
      ...(change.state !== undefined && { state: change.state }),
      ...(change.currentStep !== undefined && { current_step: change.currentStep }),
      ...(change.restartStep && { step_started_at: sql<Date>`now()` }),
      ...(change.consecutiveFailures !== undefined && { consecutive_failures: change.consecutiveFailures }),
      ...(change.consecutiveErrors !== undefined && { consecutive_errors: change.consecutiveErrors }),
      ...(change.ticked && { last_tick_at: sql<Date>`now()` }),
      ...(change.stateReason !== undefined && { state_reason: change.stateReason }),
    }))
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface NewRolloutTick {
  rolloutId: string;
  step: number;
  weight: number;
  windowStart: Date;
  windowEnd: Date;
  checks: unknown[];
  decision: string;
  reason: string;
  state: RolloutState;
}

/** Appends a tick; returns its id (webhook events name the tick they came from). */
export async function insertRolloutTick(db: Executor, t: NewRolloutTick): Promise<number> {
  const row = await db
    .insertInto('rollout_ticks')
    .values({
      rollout_id: t.rolloutId,
      step: t.step,
      weight: t.weight,
      window_start: t.windowStart,
      window_end: t.windowEnd,
      checks: JSON.stringify(t.checks),
      decision: t.decision,
      reason: t.reason,
      state: t.state,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The tick before `tickId` of the same rollout, if any (to see whether an alert is new). */
export async function previousRolloutTick(
  db: Executor,
  rolloutId: string,
  tickId: number,
): Promise<RolloutTickRow | undefined> {
  return db
    .selectFrom('rollout_ticks')
    .selectAll()
    .where('rollout_id', '=', rolloutId)
    .where('id', '<', tickId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The newest ticks first. */
/** A rollout's lifecycle events (operators' actions included), newest first, from the webhook outbox. */
export function listRolloutEvents(db: Executor, rolloutId: string, limit: number) {
  return db
    .selectFrom('alert_events')
    .select(['id', 'kind', 'state', 'payload', 'created_at'])
    .where('payload', 'is not', null)
    .where(sql<boolean>`payload -> 'rollout' ->> 'id' = ${rolloutId}`)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function listRolloutTicks(
  db: Executor,
  rolloutId: string,
  limit: number,
): Promise<RolloutTickRow[]> {
  return db
    .selectFrom('rollout_ticks')
    .selectAll()
    .where('rollout_id', '=', rolloutId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** One version's rollups summed over [start, end) with the histogram merged bucket by bucket. */
export interface WindowRollup {
  requests: number;
  errors: number;
  cacheHits: number;
  latencyBuckets: number[];
  /** Merged histogram of the requests no cache tier answered, over the rows that carry one. */
  uncachedLatencyBuckets: number[];
  /** Requests in rows without a (whole) uncached histogram: written by replicas that predate it. */
  unsplitRequests: number;
}

/**
 * Sums `model`'s rollups of `version` over whole minutes in [start, end). Callers round `start` up
 * and `end` down to minutes, so no minute that began before the step's weight took effect counts.
 */
export async function windowRollup(
  db: Executor,
  model: string,
  version: string,
  start: Date,
  end: Date,
  bucketCount: number,
): Promise<WindowRollup> {
  const inWindow = sql`r.model = ${model} AND r.version = ${version} AND r.minute >= ${start} AND r.minute < ${end}`;
  const { rows: totals } = await sql<{
    requests: string;
    errors: string;
    cache_hits: string;
    unsplit: string;
  }>`
    SELECT coalesce(sum(requests), 0)::int8 AS requests, coalesce(sum(errors), 0)::int8 AS errors,
      coalesce(sum(cache_hits), 0)::int8 AS cache_hits,
      coalesce(sum(requests) FILTER (WHERE NOT ${uncachedSplitKnown}), 0)::int8 AS unsplit
    FROM prediction_rollups r WHERE ${inWindow}
  `.execute(db);
  const { rows } = await sql<{ uncached: boolean; i: number; c: string }>`
    SELECT false AS uncached, (h.i - 1)::int4 AS i, sum(h.c)::int8 AS c
    FROM prediction_rollups r, unnest(r.latency_buckets) WITH ORDINALITY AS h(c, i)
    WHERE ${inWindow} AND h.c > 0
    GROUP BY h.i
    UNION ALL
    SELECT true, (h.i - 1)::int4, sum(h.c)::int8
    FROM prediction_rollups r, unnest(r.uncached_latency_buckets) WITH ORDINALITY AS h(c, i)
    WHERE ${inWindow} AND ${uncachedSplitKnown} AND h.c > 0
    GROUP BY h.i
  `.execute(db);
  const latencyBuckets = new Array<number>(bucketCount).fill(0);
  const uncachedLatencyBuckets = new Array<number>(bucketCount).fill(0);
  for (const row of rows) {
    if (row.i < bucketCount) (row.uncached ? uncachedLatencyBuckets : latencyBuckets)[row.i] = Number(row.c);
  }
  const sums = totals[0];
  return {
    requests: Number(sums?.requests ?? 0),
    errors: Number(sums?.errors ?? 0),
    cacheHits: Number(sums?.cache_hits ?? 0),
    latencyBuckets,
    uncachedLatencyBuckets,
    unsplitRequests: Number(sums?.unsplit ?? 0),
  };
}

/** The name of the model a rollout belongs to (rollouts store the model's id). */
export async function rolloutModelName(db: Executor, modelId: string): Promise<string | undefined> {
  const row = await db.selectFrom('models').select('name').where('id', '=', modelId).executeTakeFirst();
  return row?.name;
}
