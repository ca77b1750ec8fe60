import type { ModelRunner, Tensor } from '../backends/types.ts';
import { cacheKey, inputHash } from '../cache/canonical.ts';
import type { PredictionCache } from '../cache/prediction-cache.ts';
import type { Problem } from '../errors.ts';
import type { ModelTable, VersionConfig } from '../routing/types.ts';
import { type Deadline, runInference } from './execute.ts';
import type { PipelineDeps, PredictionRequest } from './types.ts';
import { acceptOutputs } from './validate.ts';

type Source = 'backend' | 'cache-memory' | 'cache-redis';

/**
 * One version's answer (its outputs, where they came from, the version and the protocol's reply
 * form), or why it has none; with the cache entry consulted (null without one).
 */
export type Served<R> = (
  | { ok: true; outputs: Tensor[]; servedFrom: Source; version: VersionConfig; reply: R }
  | { ok: false; problem: Problem }
) & { inputHash: string | null; cacheKey: string | null };

/** One version's validated request, as the cache-or-run stage takes it. */
export interface RunPlan<R> {
  table: ModelTable;
  version: VersionConfig;
  /** What the protocol's encoder needs of the request (from its decode): carried into the answer. */
  reply: R;
  runner: ModelRunner;
  /** The validated input tensors: the key is computed from them. */
  tensors: Tensor[];
  deadline: Deadline;
  /** False for a fallback: its answer is neither read from nor written to the cache. */
  cacheable: boolean;
}

type Shared = { ok: true; outputs: Tensor[]; servedFrom: Source } | { ok: false; problem: Problem };

const FOLLOWER_DEADLINE: Shared = {
  ok: false,
  problem: {
    code: 'DEADLINE_EXCEEDED',
    message: 'the request deadline passed while an identical request was being computed',
  },
};

/**
 * The cache around the execution step. With the model's cache on (and no `no-cache`): the key is
 * computed from the routed version and the validated input, the in-process tier is read, then
 * (once per group of identical concurrent requests) Redis, then the backend; a fresh result that
 * is finite, small enough and accepted by the output schema is stored in both tiers. A failure
 * reaches every request of the group and is never stored. Otherwise the model just runs.
 */
export function cacheOrRun<R>(
  deps: PipelineDeps,
  request: PredictionRequest,
  plan: RunPlan<R>,
): Promise<Served<R>> {
  const { cache } = deps;
  const { table } = plan;
  if (!cache || !table.cache.enabled || request.bypassCache || !plan.cacheable) {
    if (cache && table.cache.enabled && plan.cacheable) cache.stats.count(plan.version.ref, 'bypassed');
    return fresh(deps, request, plan);
  }
  return cached(cache, deps, request, plan);
}

async function cached<R>(
  cache: PredictionCache,
  deps: PipelineDeps,
  request: PredictionRequest,
  plan: RunPlan<R>,
): Promise<Served<R>> {
  const { table, version } = plan;
  const ref = version.ref;
  cache.observe(table);
  const hash = inputHash(plan.tensors);
  const key = cacheKey(table, version, hash);
  const hit = cache.memoryGet(key);
  if (hit) {
    cache.stats.count(ref, 'hitsMemory');
    return answer(plan, hit as Tensor[], 'cache-memory', hash, key);
  }
  const { promise, leader } = cache.coalesce(key, () => readOrCompute(cache, deps, request, plan, key));
  if (leader) return withKey(plan, await promise, hash, key);
  const shared = await waitAtMost(promise, plan.deadline.at);
  // A follower of a Redis hit was served from the cache too; of a computation, it was coalesced.
  cache.stats.count(ref, shared.ok && shared.servedFrom === 'cache-redis' ? 'hitsRedis' : 'coalesced');
  return withKey(plan, shared, hash, key);
}

function withKey<R>(plan: RunPlan<R>, result: Shared, hash: string | null, key: string | null): Served<R> {
  return result.ok
    ? answer(plan, result.outputs, result.servedFrom, hash, key)
    : { ok: false, problem: result.problem, inputHash: hash, cacheKey: key };
}

/** Built field by field, not spread: a spread copies through a generic path on every request. */
function answer<R>(
  plan: RunPlan<R>,
  outputs: Tensor[],
  servedFrom: Source,
  hash: string | null,
  key: string | null,
): Served<R> {
  return {
    ok: true,
    outputs,
    servedFrom,
    version: plan.version,
    reply: plan.reply,
    inputHash: hash,
    cacheKey: key,
  };
}

/** The leader of a group of identical requests: Redis, else the model (and the store). */
async function readOrCompute<R>(
  cache: PredictionCache,
  deps: PipelineDeps,
  request: PredictionRequest,
  plan: RunPlan<R>,
  key: string,
): Promise<Shared> {
  const ref = plan.version.ref;
  const stored = await cache.redisGet(key);
  if (stored) {
    cache.stats.count(ref, 'hitsRedis');
    return { ok: true, outputs: stored as Tensor[], servedFrom: 'cache-redis' };
  }
  cache.stats.count(ref, 'misses');
  const result = await runInference(
    plan.runner,
    plan.tensors,
    plan.version,
    request.log,
    plan.deadline,
    deps.execution,
  );
  if (!result.ok) return result;
  if (!acceptOutputs(deps.validation, plan.version, result.outputs, request.log)) {
    cache.stats.count(ref, 'skippedInvalidOutput');
  } else {
    const stored = cache.store(key, result.outputs, plan.table.cache.ttlSeconds);
    cache.stats.count(
      ref,
      stored === 'stored' ? 'stores' : stored === 'tooLarge' ? 'skippedTooLarge' : 'skippedNonFinite',
    );
  }
  return { ok: true, outputs: result.outputs, servedFrom: 'backend' };
}

/**
 * Runs the model without the cache; the output schema still vets (counts and logs) what it returns.
 * A `then`, not an async function: every prediction without the cache takes this step.
 */
function fresh<R>(deps: PipelineDeps, request: PredictionRequest, plan: RunPlan<R>): Promise<Served<R>> {
  return runInference(
    plan.runner,
    plan.tensors,
    plan.version,
    request.log,
    plan.deadline,
    deps.execution,
  ).then((result): Served<R> => {
    if (!result.ok) return { ok: false, problem: result.problem, inputHash: null, cacheKey: null };
    acceptOutputs(deps.validation, plan.version, result.outputs, request.log);
    return answer(plan, result.outputs, 'backend', null, null);
  });
}

function waitAtMost(promise: Promise<Shared>, deadlineAt: number): Promise<Shared> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Shared>((resolve) => {
    timer = setTimeout(() => resolve(FOLLOWER_DEADLINE), Math.max(0, deadlineAt - performance.now()));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
