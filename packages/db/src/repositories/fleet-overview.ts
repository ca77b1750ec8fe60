import type { Executor } from './executor.ts';

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
