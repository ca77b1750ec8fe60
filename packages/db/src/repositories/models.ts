import { sql } from 'kysely';
import type { ModelRow } from '../types.ts';
import type { Executor } from './executor.ts';

export async function findModelByName(db: Executor, name: string): Promise<ModelRow | undefined> {
  return db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Locks the model row for the rest of the transaction, so mutations on one model serialise. */
export async function lockModelByName(db: Executor, name: string): Promise<ModelRow | undefined> {
  return db.selectFrom('models').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
}

export async function listModels(db: Executor): Promise<ModelRow[]> {
  return db.selectFrom('models').selectAll().orderBy('name').execute();
}

export async function insertModel(
  db: Executor,
  row: {
    id: string;
    name: string;
    description: string;
    cacheEnabled: boolean;
    cacheTtlSeconds: number;
    createdBy: string;
  },
): Promise<ModelRow> {
  return db
    .insertInto('models')
    .values({
      id: row.id,
      name: row.name,
      description: row.description,
      cache_enabled: row.cacheEnabled,
      cache_ttl_seconds: row.cacheTtlSeconds,
      config_generation: 1,
      cache_generation: 1,
      active_revision: null,
      created_by: row.createdBy,
      updated_at: new Date(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateModelFields(
  db: Executor,
  id: string,
  fields: { description?: string; cacheEnabled?: boolean; cacheTtlSeconds?: number },
): Promise<void> {
  await db
    .updateTable('models')
    .set({
      ...(fields.description !== undefined && { description: fields.description }),
      ...(fields.cacheEnabled !== undefined && { cache_enabled: fields.cacheEnabled }),
      ...(fields.cacheTtlSeconds !== undefined && { cache_ttl_seconds: fields.cacheTtlSeconds }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** Bumps the generation every data plane watches; returns the new value. */
export async function bumpConfigGeneration(
  db: Executor,
  id: string,
  changes: { activeRevision?: number; bumpCacheGeneration?: boolean } = {},
): Promise<number> {
  const row = await db
    .updateTable('models')
    .set({
      config_generation: sql<number>`config_generation + 1`,
      ...(changes.activeRevision !== undefined && { active_revision: changes.activeRevision }),
      ...(changes.bumpCacheGeneration && { cache_generation: sql<number>`cache_generation + 1` }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning('config_generation')
    .executeTakeFirstOrThrow();
  return Number(row.config_generation);
}
