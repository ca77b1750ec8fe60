import type { HttpTarget } from '../harness/measure.ts';
import { batchingTargets } from './batching.ts';
import { cacheHitTarget } from './cache-hit.ts';
import { cacheMissTarget } from './cache-miss.ts';
import { logCounters } from './log-ingestion.ts';
import { MODELS, type ServingStack, startServingStack } from './serving-stack.ts';
import type { NotRun, ScenarioContext } from './types.ts';

/** Everything the HTTP scenarios (1 to 5 and 7) load, measured together in interleaved rounds. */
export interface ServingSetup {
  stack: ServingStack;
  targets: HttpTarget[];
  notRun: NotRun[];
  stop(): Promise<void>;
}

/** Starts the servers and lists the targets: floor, cache hits, inference, the old design, batching. */
export async function prepareServing(ctx: ScenarioContext): Promise<ServingSetup> {
  const stack = await startServingStack(ctx);
  try {
    const { connections } = ctx.settings;
    const distinct = { kind: 'distinct', offset: 0 } as const;
    const targets: HttpTarget[] = [
      {
        id: 'floor',
        label: 'HTTP floor: bare Fastify echo',
        load: { url: `${stack.floor.url}/echo`, headers: {}, connections, bodies: distinct },
        cpu: stack.cpu(stack.floor, false),
      },
      {
        id: 'modelplane',
        label: 'Modelplane data plane, recs, cache off',
        load: { url: stack.predictUrl(MODELS.recs), headers: stack.auth, connections, bodies: distinct },
        cpu: stack.cpu(stack.dataPlane, true),
        afterWarmup: stack.pinBackends,
        counters: logCounters(ctx),
      },
      {
        id: 'modelplane-log-off',
        label: 'the same, PREDICTION_LOG=off',
        load: {
          url: stack.predictUrl(MODELS.recs, stack.dataPlaneNoLog),
          headers: stack.auth,
          connections,
          bodies: distinct,
        },
        cpu: stack.cpu(stack.dataPlaneNoLog, true),
        afterWarmup: stack.pinBackends,
      },
      cacheMissTarget(ctx, stack),
      {
        id: 'onnx-minimal',
        label: 'minimal Fastify + ONNX session, recs',
        load: { url: `${stack.onnx.url}/predict`, headers: {}, connections, bodies: distinct },
        cpu: stack.cpu(stack.onnx, false),
      },
      {
        id: 'legacy',
        label: 'per-request-database design, recs',
        load: {
          url: `${stack.legacy.url}/predict/${MODELS.recs}`,
          headers: {},
          connections,
          bodies: distinct,
        },
        cpu: stack.cpu(stack.legacy, true),
        afterWarmup: stack.pinBackends,
      },
    ];
    const notRun: NotRun[] = [];
    const cache = await cacheHitTarget(ctx, stack);
    if ('id' in cache) targets.splice(1, 0, cache);
    else notRun.push(cache);
    targets.push(...batchingTargets(ctx, stack));
    return { stack, targets, notRun, stop: stack.stop };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
