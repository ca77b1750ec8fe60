import {
  type BackendKind,
  InferRequestSchema,
  type ModelMetadata,
  type TensorSignature,
  type VersionSignature,
} from '@modelplane/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Problem, sendProblem } from '../errors.ts';
import { newPredictionRecord, type PipelineDeps, runPrediction } from '../pipeline/predict-pipeline.ts';
import { decodeInferInputs, encodeInferOutputs, selectOutputs } from '../protocol/oip.ts';
import type { RoutingSnapshot, VersionConfig } from '../routing/types.ts';
import { singleHeader } from './context.ts';
import { cacheHeader, requestContext } from './prediction-context.ts';
import { acquireRunner } from './runner.ts';
import {
  LONG_ROUTING_KEY,
  MAX_ROUTING_KEY_LENGTH,
  NOT_LOADED,
  resolveTarget,
  type Target,
} from './target.ts';
import { parseBody } from './validation.ts';

/** What the OIP model routes need. */
export interface OipRouteOptions {
  pipeline: PipelineDeps;
}

interface ModelParams {
  name: string;
  version?: string;
}
type ModelRequest = FastifyRequest<{ Params: ModelParams }>;

const PLATFORMS: Record<BackendKind, string> = {
  onnx: 'onnxruntime',
  oip: 'oip-remote',
  tfserving: 'tfserving-remote',
};

/**
 * Metadata without a version describes the baseline: the version every fallback lands on. While
 * the active revision cannot be applied (its versions failed to load), that revision's baseline.
 */
function metadataTarget(snapshot: RoutingSnapshot, params: ModelParams): Target {
  if (params.version !== undefined) return resolveTarget(snapshot, params.name, params.version, undefined);
  const held = snapshot.models.get(params.name);
  const table = held && !held.revision && held.loadFailure ? held.loadFailure.pending : held;
  const baseline = table?.revision ? table.versions.get(table.revision.baselineVersionId) : undefined;
  if (!table || !baseline) return resolveTarget(snapshot, params.name, undefined, undefined);
  return { ok: true, table, version: baseline, pinned: false };
}

/** The tensors a version takes and returns: its registered signature, else its loaded runner's. */
async function versionTensors(
  request: ModelRequest,
  pipeline: PipelineDeps,
  version: VersionConfig,
): Promise<{ ok: true; tensors: VersionSignature } | { ok: false; problem: Problem }> {
  // Known since registration: metadata needs no load, and answers even if the version cannot load.
  if (version.signature) return { ok: true, tensors: version.signature };
  const acquired = await acquireRunner(pipeline.backends, version, pipeline.loadWaitMs, request.log);
  if (!acquired.ok) return acquired;
  return {
    ok: true,
    tensors: { inputs: [...acquired.runner.inputs], outputs: [...acquired.runner.outputs] },
  };
}

/** Metadata tensors as OIP lists them: -1 for variable dimensions. */
const copyTensor = (t: TensorSignature) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] });

/** Per-model OIP routes: metadata, readiness and inference, with or without a version. */
export async function oipModelRoutes(app: FastifyInstance, options: OipRouteOptions): Promise<void> {
  const metadata = async (request: ModelRequest, reply: FastifyReply) => {
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const target = metadataTarget(snapshot, request.params);
    if (!target.ok) return sendProblem(request, reply, target.problem);
    const described = await versionTensors(request, options.pipeline, target.version);
    if (!described.ok) return sendProblem(request, reply, described.problem);
    const body: ModelMetadata = {
      name: target.table.name,
      versions: [...target.table.versionsByLabel.keys()],
      platform: PLATFORMS[target.version.backend.kind],
      inputs: described.tensors.inputs.map(copyTensor),
      outputs: described.tensors.outputs.map(copyTensor),
    };
    return body;
  };

  const ready = async (request: ModelRequest, reply: FastifyReply) => {
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const { name, version: label } = request.params;
    const table = snapshot.models.get(name);
    if (!table)
      return sendProblem(request, reply, { code: 'NOT_FOUND', message: `model "${name}" not found` });
    let isReady: boolean;
    if (label !== undefined) {
      const version = table.versionsByLabel.get(label);
      if (!version)
        return sendProblem(request, reply, {
          code: 'NOT_FOUND',
          message: `version ${name}@${label} not found`,
        });
      isReady = options.pipeline.backends.state(version.id).status === 'ready';
    } else {
      const weights = table.revision?.weights.filter((w) => w.weight > 0) ?? [];
      isReady =
        weights.length > 0 &&
        weights.every((w) => options.pipeline.backends.state(w.versionId).status === 'ready');
    }
    return reply.code(isReady ? 200 : 503).send({ name, ready: isReady });
  };

  const infer = async (request: ModelRequest, reply: FastifyReply) => {
    const snapshot = request.snapshot;
    if (!snapshot) return sendProblem(request, reply, NOT_LOADED);
    const parsed = parseBody(InferRequestSchema, request.body);
    if (!parsed.ok) return sendProblem(request, reply, parsed.problem);
    const body = parsed.value;
    const routingKey = singleHeader(request, 'x-routing-key');
    if (routingKey !== undefined && routingKey.length > MAX_ROUTING_KEY_LENGTH) {
      return sendProblem(request, reply, LONG_ROUTING_KEY);
    }
    const record = newPredictionRecord(request.id, request.params.name);
    record.routingKey = routingKey;
    request.prediction = record;
    let names: readonly string[] | null = null;
    const result = await runPrediction(
      options.pipeline,
      {
        ...requestContext(request),
        snapshot,
        model: request.params.name,
        pin: request.params.version,
        routingKey,
        body: { protocol: 'oip', inputs: body.inputs },
        decode: (runner) => {
          names = selectOutputs(body.outputs, runner.outputs);
          return decodeInferInputs(body.inputs, runner.inputs);
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
    return {
      model_name: result.served.model,
      model_version: result.served.version,
      id: body.id ?? request.id,
      outputs: encodeInferOutputs(result.outputs, names),
    };
  };

  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);
  app.get('/v2/models/:name/ready', ready);
  app.get('/v2/models/:name/versions/:version/ready', ready);
  app.post('/v2/models/:name/infer', infer);
  app.post('/v2/models/:name/versions/:version/infer', infer);
}
