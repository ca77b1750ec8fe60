import { bumpConfigGeneration, bumpVersionCacheGeneration } from '@modelplane/db';
import type { CachePurgeInput, CachePurgeResult } from '@modelplane/schemas';
import type { Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';
import { runMutation } from './mutation.ts';
import { requireLockedModel, requireVersion } from './registry.ts';

/**
 * Empties a model's (or one version's) prediction cache on every replica. Nothing is deleted here:
 * the purged scope's cache generation is part of every cache key, so bumping it (with the config
 * generation, which makes replicas reload) means no replica reads an old entry again; each replica
 * then drops the old entries from its memory and from Redis when it applies the new table.
 */
export function purgeCache(
  deps: Deps,
  principal: Principal,
  input: CachePurgeInput,
): Promise<CachePurgeResult> {
  return runMutation(deps, principal, async ({ tx, audit, publishAfterCommit }) => {
    // Locked, so the generation read here is the one this purge increments.
    const model = await requireLockedModel(tx, input.model);
    const before = Number(model.cache_generation);
    let result: CachePurgeResult;
    if (input.version === undefined) {
      const configGeneration = await bumpConfigGeneration(tx, model.id, { bumpCacheGeneration: true });
      result = {
        model: model.name,
        version: null,
        cacheGeneration: before + 1,
        versionCacheGeneration: null,
        configGeneration,
      };
      await audit({
        action: 'cache.purge',
        target: model.name,
        before: { cacheGeneration: before },
        after: { cacheGeneration: result.cacheGeneration },
      });
    } else {
      const version = await requireVersion(tx, model, input.version);
      const versionCacheGeneration = await bumpVersionCacheGeneration(tx, version.id);
      const configGeneration = await bumpConfigGeneration(tx, model.id);
      result = {
        model: model.name,
        version: version.version,
        cacheGeneration: before,
        versionCacheGeneration,
        configGeneration,
      };
      await audit({
        action: 'cache.purge',
        target: `${model.name}@${version.version}`,
        before: { versionCacheGeneration: Number(version.cache_generation) },
        after: { versionCacheGeneration },
      });
    }
    publishAfterCommit({ v: 1, kind: 'model', model: model.name, generation: result.configGeneration });
    return result;
  });
}
