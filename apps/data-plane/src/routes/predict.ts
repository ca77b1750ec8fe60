import { type PredictRequest, PredictRequestSchema } from '@modelplane/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BackendManager } from '../backends/types.ts';
import { notFound, sendProblem } from '../errors.ts';
import { decodePredict, encodeColumnar, encodePredictions, type PredictBody } from '../protocol/tfserving.ts';
import { singleHeader } from './context.ts';
import { acquireRunner, runInference } from './runner.ts';
import { LONG_ROUTING_KEY, MAX_ROUTING_KEY_LENGTH, NOT_LOADED, resolveTarget } from './target.ts';
import { parseBody } from './validation.ts';

/** What the TF-Serving predict routes need. */
export interface PredictRouteOptions {
  backends: BackendManager;
  /** How long a request waits for a version that is still loading before it gets 503. */
  loadWaitMs: number;
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
    const target = resolveTarget(snapshot, path.name, pin, routingKey);
    if (!target.ok) return sendProblem(request, reply, target.problem);
    const { version } = target;
    reply.header('x-model-version', version.ref);

    const acquired = await acquireRunner(options.backends, version, options.loadWaitMs, request.log);
    if (!acquired.ok) return sendProblem(request, reply, acquired.problem);
    const decoded = decodePredict(toPredictBody(body), version, acquired.runner.inputs);
    const result = await runInference(acquired.runner, decoded.tensors, version, request.log);
    if (!result.ok) return sendProblem(request, reply, result.problem);

    const meta = { modelVersion: version.ref, requestId: request.id, cached: false };
    if (decoded.format === 'columnar') return { outputs: encodeColumnar(result.outputs), ...meta };
    return { predictions: encodePredictions(result.outputs, decoded.batch), ...meta };
  };
  app.post('/v1/models/:target', handler);
  app.post('/v1/models/:name/versions/:target', handler);
}

function toPredictBody(body: PredictRequest): PredictBody {
  return body.instances !== undefined ? { instances: body.instances } : { inputs: body.inputs };
}
