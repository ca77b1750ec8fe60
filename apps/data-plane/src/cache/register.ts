import type { FastifyInstance } from 'fastify';
import type { ValidationDeps } from '../pipeline/types.ts';
import type { RoutingView } from '../routing/view.ts';
import { registerJsonBodyParser } from '../validation/json-body.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../validation/limits.ts';
import { ValidationStats } from '../validation/stats.ts';
import { PredictionCache } from './prediction-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The prediction cache; `predictionCache.snapshot()` gives its counters (see cache/stats.ts). */
    predictionCache: PredictionCache;
    /** Per-version input rejections and output-schema mismatches. */
    validationStats: ValidationStats;
  }
}

/** What {@link registerCacheAndValidation} needs; everything but `routing` has a default. */
export interface CacheAndValidationOptions {
  routing: RoutingView;
  /** Default: an in-process cache of 64 MiB without Redis. */
  cache?: PredictionCache;
  limits?: Partial<RequestLimits>;
}

/**
 * Installs the strict JSON body parser, follows routing changes with the cache (purges), exposes
 * both stats objects on the app and closes the cache with it. Returns what the pipeline needs.
 */
export function registerCacheAndValidation(
  app: FastifyInstance,
  options: CacheAndValidationOptions,
): { cache: PredictionCache; validation: ValidationDeps } {
  const limits: RequestLimits = { ...DEFAULT_REQUEST_LIMITS, ...options.limits };
  registerJsonBodyParser(app, limits);
  const cache = options.cache ?? new PredictionCache();
  cache.watch(options.routing);
  const validation = { limits, stats: new ValidationStats() };
  app.decorate('predictionCache', cache);
  app.decorate('validationStats', validation.stats);
  app.addHook('onClose', () => cache.close());
  return { cache, validation };
}
