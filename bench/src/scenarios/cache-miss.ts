import type { HttpTarget } from '../harness/measure.ts';
import { scrapeMetrics, sumOf } from '../harness/metrics.ts';
import type { AppProcess } from '../infra/apps.ts';
import { MODELS, type ServingStack } from './serving-stack.ts';
import type { ScenarioContext } from './types.ts';

/**
 * The cost of a cache that never hits: the cached model with every input new, so each request
 * misses both tiers, runs the model and stores its answer (in memory and in Redis). Not one of the
 * issue's targets; it is measured so the price of turning the cache on for a model whose inputs
 * rarely repeat is in plain sight next to the cache-off row. It runs on a data plane of its own:
 * the entries it stores would otherwise grow the heap the other rows are measured on.
 */
export function cacheMissTarget(ctx: ScenarioContext, stack: ServingStack): HttpTarget {
  const app = stack.dataPlaneMisses;
  return {
    id: 'modelplane-cache-miss',
    label: 'the same with the cache on, every input new (misses)',
    load: {
      url: stack.predictUrl(MODELS.recsCached, app),
      headers: stack.auth,
      connections: ctx.settings.connections,
      bodies: { kind: 'distinct', offset: 0 },
    },
    cpu: stack.cpu(app, true),
    afterWarmup: stack.pinBackends,
    counters: { settleMs: 0, read: () => cacheEvents(app) },
  };
}

/** The cached model's hits and misses so far, from the replica's /metrics. */
async function cacheEvents(app: AppProcess): Promise<Record<string, number>> {
  const samples = (await scrapeMetrics(app.url)) ?? [];
  const count = (...events: string[]) =>
    sumOf(samples, 'modelplane_cache_events_total', (labels) => events.includes(labels.event ?? ''));
  return { cacheMisses: count('miss'), cacheHits: count('hit_memory', 'hit_redis') };
}
