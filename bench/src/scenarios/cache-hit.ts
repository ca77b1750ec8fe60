import type { HttpTarget } from '../harness/measure.ts';
import { recsBody } from '../load/bodies.ts';
import { MODELS, type ServingStack } from './serving-stack.ts';
import type { NotRun, ScenarioContext } from './types.ts';

/** Distinct inputs the cache-hit run cycles through; the warm-up caches them all. */
const HIT_POOL = 64;

/**
 * Scenario 2's target, or why it cannot run: it runs only once the data plane answers a repeated
 * request to a cache-enabled model from its cache, so the row never measures a cache that is not there.
 */
export async function cacheHitTarget(
  ctx: ScenarioContext,
  stack: ServingStack,
): Promise<HttpTarget | NotRun> {
  const url = stack.predictUrl(MODELS.recsCached);
  const tier = await cacheTierOfRepeat(url, stack.auth);
  if (tier === null) {
    return {
      scenario: 2,
      title: 'Cache hit path',
      reason:
        'not measured: the data plane does not serve from a cache yet (issue 5): a repeated request to a model ' +
        'with the cache on came back with "cached": false',
    };
  }
  return {
    id: 'modelplane-cache-hit',
    label: `Modelplane data plane, recs, cache hits (${tier})`,
    load: {
      url,
      headers: stack.auth,
      connections: ctx.settings.connections,
      bodies: { kind: 'pool', size: HIT_POOL },
    },
    cpu: stack.cpu(stack.dataPlane, true),
    afterWarmup: stack.pinBackends,
  };
}

/** The `x-cache` header of a repeated request's hit (the tier), or null when it never hits. */
async function cacheTierOfRepeat(url: string, headers: Record<string, string>): Promise<string | null> {
  const body = recsBody(0);
  for (let attempt = 0; attempt < 3; attempt++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    const json = (await response.json()) as { cached?: unknown };
    if (response.ok && json.cached === true) return response.headers.get('x-cache') ?? 'hit';
  }
  return null;
}
