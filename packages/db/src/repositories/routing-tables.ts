import { type Kysely, sql } from 'kysely';
import type { DB, ModelRow, ModelVersionRow, RoutingRevisionRow } from '../types.ts';
import type { Executor } from './executor.ts';

/** The rows routing tables are built from, read in one consistent snapshot of the database. */
export interface RoutingRows {
  models: ModelRow[];
  /** Non-archived versions of those models: archived versions may not be served or routed to. */
  versions: ModelVersionRow[];
  /** The active revision of each model that has one. */
  revisions: RoutingRevisionRow[];
}

/** Every model's config generation and the token-set generation, as of one moment. */
export interface ConfigGenerations {
  models: Record<string, number>;
  tokenGeneration: number;
}

/** The hashes of live `predict` tokens and the token-set generation they belong to. */
export interface PredictTokenState {
  hashes: string[];
  generation: number;
}

/**
 * Reads the routing rows of one model (by name) or of every model. The three queries run in one
 * read-only REPEATABLE READ transaction, so a revision never arrives without the versions it names.
 */
export async function readRoutingRows(db: Executor, modelName?: string): Promise<RoutingRows> {
  const read = async (tx: Executor): Promise<RoutingRows> => {
    let models = tx.selectFrom('models').selectAll();
    let versions = tx
      .selectFrom('model_versions')
      .innerJoin('models', 'models.id', 'model_versions.model_id')
      .selectAll('model_versions')
      .where('model_versions.status', '!=', 'archived');
    let revisions = tx
      .selectFrom('routing_revisions')
      .innerJoin('models', (join) =>
        join
          .onRef('models.id', '=', 'routing_revisions.model_id')
          .onRef('models.active_revision', '=', 'routing_revisions.revision'),
      )
      .selectAll('routing_revisions');
    if (modelName !== undefined) {
      models = models.where('name', '=', modelName);
      versions = versions.where('models.name', '=', modelName);
      revisions = revisions.where('models.name', '=', modelName);
    }
    return {
      models: await models.orderBy('name').execute(),
      versions: await versions.orderBy('model_versions.created_at').orderBy('model_versions.id').execute(),
      revisions: await revisions.execute(),
    };
  };
  if (db.isTransaction) return read(db);
  return (db as Kysely<DB>)
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(read);
}

/**
 * One cheap query for the data plane's reconcile loop: every model's config generation and the
 * token generation. A model missing from the result has been removed.
 */
export async function readConfigGenerations(db: Executor): Promise<ConfigGenerations> {
  const { rows } = await sql<{ models: Record<string, number> | null; token_generation: number }>`
    SELECT (SELECT json_object_agg(name, config_generation) FROM models) AS models,
           (SELECT generation FROM token_state) AS token_generation`.execute(db);
  const row = rows[0];
  return { models: row?.models ?? {}, tokenGeneration: Number(row?.token_generation ?? 0) };
}

/** Live `predict` token hashes with their generation, read in one statement so the two agree. */
export async function readPredictTokenState(db: Executor): Promise<PredictTokenState> {
  const { rows } = await sql<{ generation: number; hashes: string[] }>`
    SELECT generation,
           ARRAY(SELECT token_hash FROM api_tokens
                 WHERE role = 'predict' AND revoked_at IS NULL ORDER BY token_hash) AS hashes
    FROM token_state`.execute(db);
  const row = rows[0];
  return { hashes: row?.hashes ?? [], generation: Number(row?.generation ?? 0) };
}
