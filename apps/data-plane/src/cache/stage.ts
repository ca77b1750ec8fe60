import type { FastifyBaseLogger } from 'fastify';
import type { Tensor } from '../backends/types.ts';
import type { Problem } from '../errors.ts';
import type { PredictionRecord } from '../pipeline/types.ts';
import type { InferenceResult } from '../routes/runner.ts';
import type { ModelTable, VersionConfig } from '../routing/types.ts';
import { cacheKey, inputHash } from './canonical.ts';
import type { PredictionCache } from './prediction-cache.ts';

/** One request as the cache stage sees it: after routing and validation, before execution. */
export interface CacheStageContext {
  table: ModelTable;
  version: VersionConfig;
  /** The validated input tensors: the key is computed from them. */
  tensors: readonly Tensor[];
  /** `Cache-Control: no-cache`: neither read nor write. */
  bypass: boolean;
  record: PredictionRecord;
  log: FastifyBaseLogger;
  /** performance.now() at which the request's deadline passes: a follower waits no longer. */
  deadlineAt?: number;
  /** Vets fresh outputs (the output schema); false means they are served but never cached. */
  accept?: (outputs: readonly Tensor[]) => boolean;
}

/** An execution result with where it came from. */
export type CachedInference =
  | { ok: true; outputs: Tensor[]; servedFrom: 'backend' | 'cache-memory' | 'cache-redis' }
  | { ok: false; problem: Problem };

const FOLLOWER_DEADLINE: Problem = {
  code: 'DEADLINE_EXCEEDED',
  message: 'the request deadline passed while an identical request was being computed',
};

async function fresh(ctx: CacheStageContext, execute: () => Promise<InferenceResult>) {
  const result = await execute();
  const accepted = result.ok && (ctx.accept?.(result.outputs) ?? true);
  return { result, accepted };
}

function waitAtMost<T>(promise: Promise<T>, deadlineAt: number | undefined, late: T): Promise<T> {
  if (deadlineAt === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late), Math.max(0, deadlineAt - performance.now()));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The cache around the execution step. With the model's cache on (and no `no-cache`): the key is
 * computed from the routed version and the validated input, the in-process tier is read, then
 * (once per group of identical concurrent requests) Redis, then the backend; a fresh result that
 * is finite, small enough and accepted is stored in both tiers. A failure reaches every request of
 * the group and is never stored. Otherwise `execute` just runs.
 */
export async function withCache(
  cache: PredictionCache | undefined,
  ctx: CacheStageContext,
  execute: () => Promise<InferenceResult>,
): Promise<CachedInference> {
  const ref = ctx.version.ref;
  if (!cache || !ctx.table.cache.enabled || ctx.bypass) {
    if (cache && ctx.table.cache.enabled) cache.stats.count(ref, 'bypassed');
    const { result } = await fresh(ctx, execute);
    return result.ok ? { ok: true, outputs: result.outputs, servedFrom: 'backend' } : result;
  }
  cache.observe(ctx.table);
  const hash = inputHash(ctx.tensors);
  ctx.record.inputHash = hash;
  const key = cacheKey(ctx.table, ctx.version, hash);
  ctx.record.cacheKey = key;
  const hit = cache.memoryGet(key);
  if (hit) {
    cache.stats.count(ref, 'hitsMemory');
    return { ok: true, outputs: hit as Tensor[], servedFrom: 'cache-memory' };
  }
  const { promise, leader } = cache.coalesce<CachedInference>(key, async () => {
    const stored = await cache.redisGet(key);
    if (stored) {
      cache.stats.count(ref, 'hitsRedis');
      return { ok: true, outputs: stored as Tensor[], servedFrom: 'cache-redis' };
    }
    cache.stats.count(ref, 'misses');
    const { result, accepted } = await fresh(ctx, execute);
    if (!result.ok) return result;
    if (!accepted) cache.stats.count(ref, 'skippedInvalidOutput');
    else {
      const outcome = cache.store(key, result.outputs, ctx.table.cache.ttlSeconds);
      cache.stats.count(
        ref,
        outcome === 'stored' ? 'stores' : outcome === 'tooLarge' ? 'skippedTooLarge' : 'skippedNonFinite',
      );
    }
    return { ok: true, outputs: result.outputs, servedFrom: 'backend' };
  });
  if (leader) return promise;
  const shared = await waitAtMost(promise, ctx.deadlineAt, { ok: false, problem: FOLLOWER_DEADLINE });
  // A follower of a Redis hit was served from the cache too; of a computation, it was coalesced.
  cache.stats.count(ref, shared.ok && shared.servedFrom === 'cache-redis' ? 'hitsRedis' : 'coalesced');
  return shared;
}
