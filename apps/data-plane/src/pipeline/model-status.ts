import type { BackendKind, ModelMetadata, TensorSignature, VersionSignature } from '@modelplane/schemas';
import type { FastifyBaseLogger } from 'fastify';
import type { BackendManager } from '../backends/types.ts';
import type { Problem } from '../errors.ts';
import type { RoutingSnapshot, VersionConfig } from '../routing/types.ts';
import { acquireRunner } from './acquire.ts';
import { resolveTarget, type Target } from './target.ts';
import type { PipelineDeps } from './types.ts';

// What OIP's per-model metadata and readiness endpoints answer, read from one snapshot.

const PLATFORMS: Record<BackendKind, string> = {
  onnx: 'onnxruntime',
  oip: 'oip-remote',
  tfserving: 'tfserving-remote',
};

/**
 * A model's metadata: its versions, and the tensors of `label` or, without one, of the baseline
 * (the version every fallback lands on; while the active revision cannot be applied because its
 * versions failed to load, that revision's baseline). Variable dimensions are -1.
 */
export async function describeModel(
  deps: PipelineDeps,
  snapshot: RoutingSnapshot,
  model: string,
  label: string | undefined,
  log: FastifyBaseLogger,
): Promise<{ ok: true; metadata: ModelMetadata } | { ok: false; problem: Problem }> {
  const target = metadataTarget(snapshot, model, label);
  if (!target.ok) return target;
  const described = await versionTensors(deps, target.version, log);
  if (!described.ok) return described;
  return {
    ok: true,
    metadata: {
      name: target.table.name,
      versions: [...target.table.versionsByLabel.keys()],
      platform: PLATFORMS[target.version.backend.kind],
      inputs: described.tensors.inputs.map(copyTensor),
      outputs: described.tensors.outputs.map(copyTensor),
    },
  };
}

/** Whether `label` (or, without one, every version the model's traffic goes to) has a ready runner. */
export function modelReady(
  backends: BackendManager,
  snapshot: RoutingSnapshot,
  model: string,
  label: string | undefined,
): { ok: true; ready: boolean } | { ok: false; problem: Problem } {
  const table = snapshot.models.get(model);
  if (!table) return { ok: false, problem: { code: 'NOT_FOUND', message: `model "${model}" not found` } };
  if (label !== undefined) {
    const version = table.versionsByLabel.get(label);
    if (!version) {
      return { ok: false, problem: { code: 'NOT_FOUND', message: `version ${model}@${label} not found` } };
    }
    return { ok: true, ready: backends.state(version.id).status === 'ready' };
  }
  const weights = table.revision?.weights.filter((w) => w.weight > 0) ?? [];
  return {
    ok: true,
    ready: weights.length > 0 && weights.every((w) => backends.state(w.versionId).status === 'ready'),
  };
}

function metadataTarget(snapshot: RoutingSnapshot, model: string, label: string | undefined): Target {
  if (label !== undefined) return resolveTarget(snapshot, model, label, undefined);
  const held = snapshot.models.get(model);
  const table = held && !held.revision && held.loadFailure ? held.loadFailure.pending : held;
  const baseline = table?.revision ? table.versions.get(table.revision.baselineVersionId) : undefined;
  if (!table || !baseline) return resolveTarget(snapshot, model, undefined, undefined);
  return { ok: true, table, version: baseline, pinned: false };
}

/** The tensors a version takes and returns: its registered signature, else its loaded runner's. */
async function versionTensors(
  deps: PipelineDeps,
  version: VersionConfig,
  log: FastifyBaseLogger,
): Promise<{ ok: true; tensors: VersionSignature } | { ok: false; problem: Problem }> {
  // Known since registration: metadata needs no load, and answers even if the version cannot load.
  if (version.signature) return { ok: true, tensors: version.signature };
  const acquired = await acquireRunner(deps.backends, version, deps.loadWaitMs, log);
  if (!acquired.ok) return acquired;
  return {
    ok: true,
    tensors: { inputs: [...acquired.runner.inputs], outputs: [...acquired.runner.outputs] },
  };
}

function copyTensor(t: TensorSignature): TensorSignature {
  return { name: t.name, datatype: t.datatype, shape: [...t.shape] };
}
