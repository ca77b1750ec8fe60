import { type PredictRequest, PredictRequestSchema } from '@modelplane/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
  const handler = async (request: FastifyRequest<{ Params: PredictParams }>, reply: FastifyReply) => {
    const path = pathTarget(request.params);
    if (!path) return sendProblem(request, reply, notFound(request.url));
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const parsed = parseBody(PredictRequestSchema, request.body);
    if (!parsed.ok) return sendProblem(request, reply, parsed.problem);
    const body = parsed.value;

    const pin = path.version ?? singleHeader(request, 'x-model-version');
    const routingKey = body.routingKey ?? singleHeader(request, 'x-routing-key');
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
        ...requestContext(request),
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
    const meta = {
      modelVersion: result.served.ref,
      requestId: request.id,
      cached: isCached(result.servedFrom),
    };
    if (decodedAs.format === 'columnar') return { outputs: encodeColumnar(result.outputs), ...meta };
    return { predictions: encodePredictions(result.outputs, decodedAs.batch), ...meta };
  };
  app.post('/v1/models/:target', handler);
  app.post('/v1/models/:name/versions/:target', handler);
}

function toPredictBody(body: PredictRequest): PredictBody {
  return body.instances !== undefined ? { instances: body.instances } : { inputs: body.inputs };
}
