import { sql } from 'kysely';
import type { Executor } from './executor.ts';

/**
 * Bumps one version's cache generation (part of every cache key for that version) and returns the
 * new value. The caller bumps the model's config generation in the same transaction, so replicas
 * reload the version and stop reading its old entries.
 */
export async function bumpVersionCacheGeneration(db: Executor, versionId: string): Promise<number> {
  const row = await db
    .updateTable('model_versions')
    .set({ cache_generation: sql<number>`cache_generation + 1` })
    .where('id', '=', versionId)
    .returning('cache_generation')
    .executeTakeFirstOrThrow();
  return Number(row.cache_generation);
}
