import type { BackendKind, ModelMetadata, TensorSignature, VersionSignature } from '@modelplane/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HitMemo } from '../cache/hit-memo.ts';
import { type Problem, sendProblem } from '../errors.ts';
import { acquireRunner } from '../pipeline/acquire.ts';
import { runPrediction } from '../pipeline/predict.ts';
import { NOT_LOADED, resolveTarget, type Target } from '../pipeline/target.ts';
import type { PipelineDeps } from '../pipeline/types.ts';
import { type OipReply, oip } from '../protocol/oip.ts';
import type { RoutingSnapshot, VersionConfig } from '../routing/types.ts';
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
  const answering: Answering<OipReply> = { protocol: 'oip', encode: oip.encode, hits: options.hits };
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
    const { name, version: pin } = request.params;
    const routingKey = singleHeader(request, 'x-routing-key');
    const bypassCache = bypassesCache(request);
    // A repeat of a remembered cached request is answered before its body is even looked at.
    const table = snapshot.models.get(name);
    const memo = memoKeyOf(answering, request, table, pin, routingKey, bypassCache);
    const remembered = memo !== null && table ? options.hits?.get(table, memo) : undefined;
    if (remembered) return sendRemembered(request, reply, options.hits as HitMemo, remembered);

    const checked = oip.check(request.body);
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
