import { type PredictRequest, PredictRequestSchema } from '@modelplane/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type HitMemo, memoKey, type RememberedHit } from '../cache/hit-memo.ts';
import { notFound, sendProblem } from '../errors.ts';
import { newPredictionRecord, type PipelineDeps, runPrediction } from '../pipeline/predict-pipeline.ts';
import { decodePredict, encodeColumnar, encodePredictions, type PredictBody } from '../protocol/tfserving.ts';
import { singleHeader } from './context.ts';
import { cacheHeader, isCached, requestContext } from './prediction-context.ts';
import { LONG_ROUTING_KEY, MAX_ROUTING_KEY_LENGTH, NOT_LOADED } from './target.ts';
import { parseBody } from './validation.ts';

/** What the TF-Serving predict routes need. */
export interface PredictRouteOptions {
  pipeline: PipelineDeps;
  /** Answers byte-identical repeats of cached requests without decoding them again. */
  hits?: HitMemo;
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
  const { hits } = options;
  const handler = async (request: FastifyRequest<{ Params: PredictParams }>, reply: FastifyReply) => {
    const path = pathTarget(request.params);
    if (!path) return sendProblem(request, reply, notFound(request.url));
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const pin = path.version ?? singleHeader(request, 'x-model-version');
    const headerKey = singleHeader(request, 'x-routing-key');
    const context = requestContext(request);
    const table = snapshot.models.get(path.name);
    // A repeat of a remembered cached request is answered before its body is even looked at.
    const memo =
      hits && table?.cache.enabled && !context.bypassCache && request.rawBody
        ? memoKey(pin, headerKey, request.rawBody)
        : null;
    const remembered = memo !== null && table ? hits?.get(table, memo) : undefined;
    if (remembered) return answerRemembered(request, reply, path.name, remembered, hits as HitMemo);

    const parsed = parseBody(PredictRequestSchema, request.body);
    if (!parsed.ok) return sendProblem(request, reply, parsed.problem);
    const body = parsed.value;
    const routingKey = body.routingKey ?? headerKey;
    if (routingKey !== undefined && routingKey.length > MAX_ROUTING_KEY_LENGTH) {
      return sendProblem(request, reply, LONG_ROUTING_KEY);
    }
    const record = newPredictionRecord(request.id, path.name);
    record.routingKey = routingKey;
    request.prediction = record;
    // Set by decode, which runs once the serving version (and so its tensor signature) is known.
    const decodedAs = { format: 'row' as 'row' | 'columnar', batch: 0 };
    const result = await runPrediction(
      options.pipeline,
      {
        ...context,
        snapshot,
        model: path.name,
        pin,
        routingKey,
        body: { protocol: 'tfserving', body: toPredictBody(body) },
        decode: (runner, version) => {
          const decoded = decodePredict(toPredictBody(body), version, runner.inputs);
          decodedAs.format = decoded.format;
          decodedAs.batch = decoded.batch;
          return decoded.tensors;
        },
      },
      record,
    );
    if (result.assigned) reply.header('x-model-version', result.assigned.ref);
    if (!result.ok) {
      record.errorCode = result.problem.code;
      return sendProblem(request, reply, result.problem);
    }
    reply.header('x-model-version', result.served.ref);
    reply.header('x-cache', cacheHeader(result.servedFrom));
    const outputs =
      decodedAs.format === 'columnar'
        ? { outputs: encodeColumnar(result.outputs) }
        : { predictions: encodePredictions(result.outputs, decodedAs.batch) };
    const bodyHead = responseHead(outputs, result.served.ref);
    // Remembered only once it is served from memory: the cache then holds exactly these outputs.
    if (memo !== null && result.servedFrom === 'cache-memory' && (record.sticky || record.pinned)) {
      hits?.remember(
        result.table,
        memo,
        {
          cacheKey: record.cacheKey as string,
          ref: result.served.ref,
          revision: record.revision,
          routingKey,
          sticky: record.sticky,
          pinned: record.pinned ?? false,
          inputHash: record.inputHash,
          bodyHead,
        },
        result.outputs,
      );
    }
    return sendJson(reply, bodyHead, request.id, isCached(result.servedFrom));
  };
  app.post('/v1/models/:target', handler);
  app.post('/v1/models/:name/versions/:target', handler);
}

/** A remembered answer, with the telemetry record the full path would have written. */
function answerRemembered(
  request: FastifyRequest,
  reply: FastifyReply,
  model: string,
  hit: RememberedHit,
  hits: HitMemo,
) {
  const record = newPredictionRecord(request.id, model);
  record.routingKey = hit.routingKey;
  record.assignedVersion = hit.ref;
  record.servedVersion = hit.ref;
  record.revision = hit.revision;
  record.sticky = hit.sticky;
  record.pinned = hit.pinned;
  record.inputHash = hit.inputHash;
  record.cacheKey = hit.cacheKey;
  record.servedFrom = 'cache-memory';
  request.prediction = record;
  hits.countHit(hit.ref);
  reply.header('x-model-version', hit.ref);
  reply.header('x-cache', 'hit-memory');
  return sendJson(reply, hit.bodyHead, request.id, true);
}

/** `{<outputs>,"modelVersion":…,"requestId":` : the part of a response that does not vary per request. */
function responseHead(outputs: object, ref: string): string {
  const json = JSON.stringify({ ...outputs, modelVersion: ref });
  return `${json.slice(0, -1)},"requestId":`;
}

function sendJson(reply: FastifyReply, head: string, requestId: string, cached: boolean): FastifyReply {
  reply.type('application/json; charset=utf-8');
  return reply.send(`${head}${JSON.stringify(requestId)},"cached":${cached}}`);
}

function toPredictBody(body: PredictRequest): PredictBody {
  return body.instances !== undefined ? { instances: body.instances } : { inputs: body.inputs };
}
