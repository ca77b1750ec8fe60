import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HitMemo } from '../cache/hit-memo.ts';
import { notFound, sendProblem } from '../errors.ts';
import { runPrediction } from '../pipeline/predict.ts';
import { NOT_LOADED } from '../pipeline/target.ts';
import type { PipelineDeps } from '../pipeline/types.ts';
import { type TfServingReply, tfserving } from '../protocol/tfserving.ts';
import type { OutputKeeper } from '../telemetry/hooks.ts';
import { parsedBody, registerDeferredJsonBodyParser } from '../validation/json-body.ts';
import { DEFAULT_REQUEST_LIMITS } from '../validation/limits.ts';
import { singleHeader } from './context.ts';
import {
  type Answering,
  bypassesCache,
  clientDeadlineMs,
  memoKeyOf,
  sendOutcome,
  sendRemembered,
} from './prediction-reply.ts';

/** What the TF-Serving predict routes need. */
export interface PredictRouteOptions {
  pipeline: PipelineDeps;
  /** Answers byte-identical repeats of cached requests without decoding them again. */
  hits?: HitMemo;
  /** Takes logged response bodies (telemetry/hooks.ts). */
  outputs?: OutputKeeper;
}

// TF Serving puts the verb after a colon in the last segment (`recs:predict`); a Fastify param
// cannot be followed by a literal colon, so the segment is split here.
interface PredictParams {
  name?: string;
  target: string;
}

const PREDICT_SUFFIX = ':predict';

/** `{ name, version }` from the path, or null when the last segment does not end in `:predict`. */
function pathTarget(params: PredictParams): { name: string; version?: string } | null {
  if (!params.target.endsWith(PREDICT_SUFFIX)) return null;
  const head = params.target.slice(0, -PREDICT_SUFFIX.length);
  if (head === '') return null;
  return params.name === undefined ? { name: head } : { name: params.name, version: head };
}

/**
 * `POST /v1/models/{name}[/versions/{v}]:predict`. The version comes from the path, the
 * `x-model-version` header, or the router (sticky with `routingKey` / `x-routing-key`).
 */
export async function predictRoutes(app: FastifyInstance, options: PredictRouteOptions): Promise<void> {
  const answering: Answering<TfServingReply> = {
    protocol: 'tfserving',
    encode: tfserving.encode,
    hits: options.hits,
    outputs: options.outputs,
  };
  // A repeat answered from the memo never needs its body parsed: parse it only past that point.
  registerDeferredJsonBodyParser(app);
  const limits = options.pipeline.validation?.limits ?? DEFAULT_REQUEST_LIMITS;
  const handler = async (request: FastifyRequest<{ Params: PredictParams }>, reply: FastifyReply) => {
    const path = pathTarget(request.params);
    if (!path) return sendProblem(request, reply, notFound(request.url));
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const pin = path.version ?? singleHeader(request, 'x-model-version');
    const headerKey = singleHeader(request, 'x-routing-key');
    const bypassCache = bypassesCache(request);
    // A repeat of a remembered cached request is answered before its body is even looked at.
    const table = snapshot.models.get(path.name);
    const memo = memoKeyOf(answering, request, table, pin, headerKey, bypassCache);
    const remembered = memo !== null && table ? options.hits?.get(table, memo) : undefined;
    if (remembered) return sendRemembered(request, reply, answering, options.hits as HitMemo, remembered);

    const checked = tfserving.check(parsedBody(request, limits));
    if (!checked.ok) return sendProblem(request, reply, checked.problem);
    const body = checked.value;
    const startedAt = performance.now();
    const outcome = await runPrediction(options.pipeline, {
      snapshot,
      model: path.name,
      pin,
      routingKey: body.routingKey ?? headerKey,
      bypassCache,
      clientDeadlineMs: clientDeadlineMs(request),
      startedAt,
      log: request.log,
      codec: tfserving,
      body,
    });
    return sendOutcome(request, reply, answering, outcome, startedAt, memo);
  };
  app.post('/v1/models/:target', handler);
  app.post('/v1/models/:name/versions/:target', handler);
}
