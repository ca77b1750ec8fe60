import type { RoutingRevisionRow } from '../types.ts';
import { type Executor, json } from './executor.ts';

export interface NewRevision {
  modelId: string;
  revision: number;
  action: string;
  weights: Array<{ versionId: string; weight: number }>;
  baselineVersionId: string;
  salt: string;
  bucketMap: Uint8Array;
  derivedFrom: number | null;
  restoresRevision: number | null;
  createdBy: string;
}

export async function insertRevision(db: Executor, r: NewRevision): Promise<RoutingRevisionRow> {
  return db
    .insertInto('routing_revisions')
    .values({
      model_id: r.modelId,
      revision: r.revision,
      action: r.action,
      weights: json(r.weights),
      baseline_version_id: r.baselineVersionId,
      salt: r.salt,
      bucket_map: r.bucketMap,
      derived_from: r.derivedFrom,
      restores_revision: r.restoresRevision,
      created_by: r.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findRevision(
  db: Executor,
  modelId: string,
  revision: number,
): Promise<RoutingRevisionRow | undefined> {
  return db
    .selectFrom('routing_revisions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('revision', '=', revision)
    .executeTakeFirst();
}

export async function latestRevisionNumber(db: Executor, modelId: string): Promise<number> {
  const row = await db
    .selectFrom('routing_revisions')
    .select((eb) => eb.fn.max('revision').as('max'))
    .where('model_id', '=', modelId)
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

/** Newest first; the bucket map is left out because listings never need its 10000 bytes. */
export async function listRevisions(db: Executor, modelId: string, limit: number) {
  return db
    .selectFrom('routing_revisions')
    .select([
      'model_id',
      'revision',
      'action',
      'weights',
      'baseline_version_id',
      'salt',
      'derived_from',
      'restores_revision',
      'created_by',
      'created_at',
    ])
    .where('model_id', '=', modelId)
    .orderBy('revision', 'desc')
    .limit(limit)
    .execute();
}
