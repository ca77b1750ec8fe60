import { sql } from 'kysely';
import type { Executor } from './executor.ts';
import { ACTIVE_ROLLOUT_STATES } from './rollouts.ts';

/** Every model's versions, labels and statuses only (no schemas or metadata), oldest first. */
export async function listAllVersionLabels(db: Executor) {
  return db
    .selectFrom('model_versions')
    .select(['id', 'model_id', 'version', 'status'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Every model's active revision in one query, without the bucket map. */
export async function listActiveRevisions(db: Executor) {
  return db
    .selectFrom('routing_revisions as r')
    .innerJoin('models as m', (join) =>
      join.onRef('m.id', '=', 'r.model_id').onRef('m.active_revision', '=', 'r.revision'),
    )
    .select([
      'r.model_id',
      'r.revision',
      'r.action',
      'r.weights',
      'r.baseline_version_id',
      'r.salt',
      'r.derived_from',
      'r.restores_revision',
      'r.created_by',
      'r.created_at',
    ])
    .execute();
}

/** One replica's rollup row for one version and minute, as the dashboard's sparklines read it. */
export interface MinuteRollupRow {
  model: string;
  version: string;
  minute: Date;
  requests: number;
  errors: number;
  latencyBuckets: number[];
}

/**
 * Every model's per-minute rollup rows over the last `windowMs` (whole minutes, database clock), in
 * one query: the caller merges replicas per minute, so the histogram merge stays in one place.
 */
export async function listMinuteRollups(db: Executor, windowMs: number): Promise<MinuteRollupRow[]> {
  const rows = await db
    .selectFrom('prediction_rollups')
    .select(['model', 'version', 'minute', 'requests', 'errors', 'latency_buckets'])
    .where(
      'minute',
      '>=',
      sql<Date>`date_trunc('minute', now() - make_interval(secs => ${windowMs / 1000}::double precision))`,
    )
    .orderBy('minute')
    .execute();
  return rows.map((r) => ({
    model: r.model,
    version: r.version,
    minute: new Date(r.minute),
    requests: Number(r.requests),
    errors: Number(r.errors),
    latencyBuckets: (r.latency_buckets ?? []).map(Number),
  }));
}

/** Per model: how many of its alert rules are firing and how many rollouts are under way (one query). */
export async function listModelBadges(
  db: Executor,
): Promise<Array<{ model: string; firingAlerts: number; activeRollouts: number }>> {
  const rows = await db
    .selectFrom('models as m')
    .select((eb) => [
      'm.name',
      eb
        .selectFrom('alert_rules as a')
        .select(sql<number>`count(*)::int4`.as('n'))
        .whereRef('a.model_id', '=', 'm.id')
        .where('a.state', '=', 'firing')
        .as('firing'),
      eb
        .selectFrom('rollouts as r')
        .select(sql<number>`count(*)::int4`.as('n'))
        .whereRef('r.model_id', '=', 'm.id')
        .where('r.state', 'in', ACTIVE_ROLLOUT_STATES)
        .as('rollouts'),
    ])
    .execute();
  return rows.map((r) => ({
    model: r.name,
    firingAlerts: Number(r.firing ?? 0),
    activeRollouts: Number(r.rollouts ?? 0),
  }));
}
