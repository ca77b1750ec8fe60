import type { HttpTarget } from '../harness/measure.ts';
import { scrapeMetrics, sumOf } from '../harness/metrics.ts';
import { BATCHING, MODELS, type ServingStack, WORKER_THREADS } from './serving-stack.ts';
import type { ScenarioContext } from './types.ts';

/**
 * Scenario 4's targets, all at the issue's 64 connections: recs and heavy-mlp with batching off
 * and on, and heavy-mlp on worker threads (unbatched). The batched rows also count the model runs
 * the data plane's /metrics reports, so a row can show it really batched.
 */
export function batchingTargets(ctx: ScenarioContext, stack: ServingStack): HttpTarget[] {
  const connections = ctx.settings.batchingConnections;
  const recsBodies = { kind: 'distinct', offset: 0 } as const;
  const heavyBodies = { kind: 'heavy', size: 1024 } as const;
  const target = (
    id: string,
    label: string,
    model: string,
    bodies: HttpTarget['load']['bodies'],
  ): HttpTarget => ({
    id,
    label,
    load: { url: stack.predictUrl(model), headers: stack.auth, connections, bodies },
    cpu: stack.cpu(stack.dataPlane, true),
    afterWarmup: stack.pinBackends,
    counters: { settleMs: 0, read: () => batchCounters(stack.dataPlane.url, `${model}@`) },
  });
  const batching = `batching ${BATCHING.maxBatchSize} rows / ${BATCHING.maxDelayMs} ms`;
  return [
    target('recs-unbatched', 'recs, batching off', MODELS.recs, recsBodies),
    target('recs-batched', `recs, ${batching}`, MODELS.recsBatched, recsBodies),
    target('heavy-unbatched', 'heavy-mlp, batching off, main thread', MODELS.heavy, heavyBodies),
    target('heavy-batched', `heavy-mlp, ${batching}`, MODELS.heavyBatched, heavyBodies),
    target(
      'heavy-workers',
      `heavy-mlp, ${WORKER_THREADS} worker threads, batching off`,
      MODELS.heavyWorkers,
      heavyBodies,
    ),
  ];
}

/**
 * Batched model runs and the requests they carried for versions whose ref starts with `prefix`,
 * from `modelplane_batch_size` on /metrics; nothing when the data plane has no such metric.
 */
async function batchCounters(dataPlaneUrl: string, prefix: string): Promise<Record<string, number>> {
  const samples = await scrapeMetrics(dataPlaneUrl);
  if (!samples) return {};
  const read = (series: string) =>
    sumOf(
      samples,
      `modelplane_batch_size_${series}`,
      (labels) => labels.version?.startsWith(prefix) ?? false,
    );
  return { batches: read('count'), batchedRequests: read('sum') };
}
