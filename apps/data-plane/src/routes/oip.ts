import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HitMemo } from '../cache/hit-memo.ts';
import { sendProblem } from '../errors.ts';
import { describeModel, modelReady } from '../pipeline/model-status.ts';
import { runPrediction } from '../pipeline/predict.ts';
import { NOT_LOADED } from '../pipeline/target.ts';
import type { PipelineDeps } from '../pipeline/types.ts';
import { type OipReply, oip } from '../protocol/oip.ts';
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

/** What the OIP model routes need. */
export interface OipRouteOptions {
  pipeline: PipelineDeps;
  /** Answers byte-identical repeats of cached requests without decoding them again. */
  hits?: HitMemo;
  /** Takes logged response bodies (telemetry/hooks.ts). */
  outputs?: OutputKeeper;
}

interface ModelParams {
  name: string;
  version?: string;
}
type ModelRequest = FastifyRequest<{ Params: ModelParams }>;

/** Per-model OIP routes: metadata, readiness and inference, with or without a version. */
export async function oipModelRoutes(app: FastifyInstance, options: OipRouteOptions): Promise<void> {
  const answering: Answering<OipReply> = {
    protocol: 'oip',
    encode: oip.encode,
    hits: options.hits,
    outputs: options.outputs,
  };
  // A repeat answered from the memo never needs its body parsed: parse it only past that point.
  registerDeferredJsonBodyParser(app);
  const limits = options.pipeline.validation?.limits ?? DEFAULT_REQUEST_LIMITS;
  const metadata = async (request: ModelRequest, reply: FastifyReply) => {
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const { name, version } = request.params;
    const described = await describeModel(options.pipeline, snapshot, name, version, request.log);
    return described.ok ? described.metadata : sendProblem(request, reply, described.problem);
  };

  const ready = async (request: ModelRequest, reply: FastifyReply) => {
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const { name, version } = request.params;
    const answer = modelReady(options.pipeline.backends, snapshot, name, version);
    if (!answer.ok) return sendProblem(request, reply, answer.problem);
    return reply.code(answer.ready ? 200 : 503).send({ name, ready: answer.ready });
  };

  const infer = async (request: ModelRequest, reply: FastifyReply) => {
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const { name, version: pin } = request.params;
    const routingKey = singleHeader(request, 'x-routing-key');
    const bypassCache = bypassesCache(request);
    // A repeat of a remembered cached request is answered before its body is even looked at.
    const table = snapshot.models.get(name);
    const memo = memoKeyOf(answering, request, table, pin, routingKey, bypassCache);
    const remembered = memo !== null && table ? options.hits?.get(table, memo) : undefined;
    if (remembered) return sendRemembered(request, reply, answering, options.hits as HitMemo, remembered);

    const checked = oip.check(parsedBody(request, limits));
    if (!checked.ok) return sendProblem(request, reply, checked.problem);
    const startedAt = performance.now();
    const outcome = await runPrediction(options.pipeline, {
      snapshot,
      model: name,
      pin,
      routingKey,
      bypassCache,
      clientDeadlineMs: clientDeadlineMs(request),
      startedAt,
      log: request.log,
      codec: oip,
      body: checked.value,
    });
    return sendOutcome(request, reply, answering, outcome, startedAt, memo);
  };

  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);
  app.get('/v2/models/:name/ready', ready);
  app.get('/v2/models/:name/versions/:version/ready', ready);
  app.post('/v2/models/:name/infer', infer);
  app.post('/v2/models/:name/versions/:version/infer', infer);
}
