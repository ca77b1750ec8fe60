import {
  bumpConfigGeneration,
  type Executor,
  findActiveRollout,
  findRevision,
  insertRevision,
  latestRevisionNumber,
  listVersions,
  type ModelRow,
  type ModelVersionRow,
  type RoutingRevisionRow,
  setVersionStatus,
} from '@modelplane/db';
import {
  canaryWeights,
  decodeBucketMap,
  deriveBucketMap,
  encodeBucketMap,
  newSalt,
  validateWeights,
  type Weights,
} from '@modelplane/router';
import {
  BadRequestError,
  type CanaryInput,
  ConflictError,
  NotFoundError,
  type PromoteInput,
  type Revision,
  type RevisionAction,
  type RollbackInput,
  type SetTrafficInput,
} from '@modelplane/schemas';
import type { Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';
import { type MutationContext, runMutation } from './mutation.ts';
import { requireLockedModel } from './registry.ts';
import { toRevision } from './revision-view.ts';

export interface ModelState {
  model: ModelRow;
  versions: ModelVersionRow[];
  active: RoutingRevisionRow | undefined;
}

/** The content of a revision before it is stored: what the router and the data planes act on. */
export interface RevisionDraft {
  action: RevisionAction;
  weights: Weights;
  baselineVersionId: string;
  salt: string;
  bucketMap: Uint8Array;
  restoresRevision: number | null;
}

export async function loadState(tx: Executor, modelName: string): Promise<ModelState> {
  const model = await requireLockedModel(tx, modelName);
  const versions = await listVersions(tx, model.id);
  const active = model.active_revision ? await findRevision(tx, model.id, model.active_revision) : undefined;
  return { model, versions, active };
}

/** loadState for an operator's manual change: refused while a rollout owns the model's traffic. */
async function loadManualState(tx: Executor, modelName: string): Promise<ModelState> {
  const state = await loadState(tx, modelName);
  const rollout = await findActiveRollout(tx, state.model.id);
  if (rollout) {
    throw new ConflictError(
      `model ${modelName} has a ${rollout.state} rollout (${rollout.id}); pause, approve or abort it with rollouts.* instead`,
    );
  }
  return state;
}

function versionByLabel(state: ModelState, label: string): ModelVersionRow {
  const row = state.versions.find((v) => v.version === label);
  if (!row) throw new NotFoundError(`version ${state.model.name}@${label} not found`);
  if (row.status === 'archived') {
    throw new ConflictError(`version ${state.model.name}@${label} is archived and cannot carry traffic`);
  }
  return row;
}

export function activeWeights(state: ModelState): Weights {
  return state.active ? state.active.weights : [];
}

/** Derives the new bucket map from the active one, moving the fewest buckets. */
export function mapFor(state: ModelState, weights: Weights): Uint8Array {
  const previous = state.active
    ? decodeBucketMap(
        state.active.weights.map((w) => w.versionId),
        state.active.bucket_map,
      )
    : null;
  return encodeBucketMap(deriveBucketMap(previous, weights));
}

/** Stores the draft as the next revision, makes it active, realigns statuses, and announces it. */
export async function applyRevision(
  ctx: MutationContext,
  state: ModelState,
  draft: RevisionDraft,
): Promise<Revision> {
  const { tx } = ctx;
  const revisionNumber = (await latestRevisionNumber(tx, state.model.id)) + 1;
  const weights = draft.weights.filter((w) => w.weight > 0).map((w) => ({ ...w }));
  const row = await insertRevision(tx, {
    modelId: state.model.id,
    revision: revisionNumber,
    action: draft.action,
    weights,
    baselineVersionId: draft.baselineVersionId,
    salt: draft.salt,
    bucketMap: draft.bucketMap,
    derivedFrom: state.active?.revision ?? null,
    restoresRevision: draft.restoresRevision,
    createdBy: ctx.principal.actor,
  });
  const generation = await bumpConfigGeneration(tx, state.model.id, { activeRevision: revisionNumber });
  await alignStatuses(tx, state.versions, weights, draft.baselineVersionId);
  const before = state.active ? toRevision(state.model.name, state.active, state.versions) : null;
  const after = toRevision(state.model.name, row, state.versions);
  await ctx.audit({ action: `traffic.${draft.action}`, target: state.model.name, before, after });
  ctx.publishAfterCommit({ v: 1, kind: 'model', model: state.model.name, generation });
  return after;
}

/** Statuses always follow the active revision: baseline production, other weighted canary, rest staging. */
async function alignStatuses(
  tx: Executor,
  versions: ModelVersionRow[],
  weights: Weights,
  baselineId: string,
): Promise<void> {
  const weighted = new Set(weights.map((w) => w.versionId));
  for (const v of versions) {
    if (v.status === 'archived') continue;
    const status = v.id === baselineId ? 'production' : weighted.has(v.id) ? 'canary' : 'staging';
    if (status !== v.status) await setVersionStatus(tx, v.id, status);
  }
}

function assertValidWeights(weights: Weights): void {
  const problem = validateWeights(weights);
  if (problem) throw new BadRequestError(`weights: ${problem}`);
}

export function setTraffic(deps: Deps, principal: Principal, input: SetTrafficInput): Promise<Revision> {
  return runMutation(deps, principal, async (ctx) => {
    const state = await loadManualState(ctx.tx, input.model);
    const labels = new Set<string>();
    const weights = input.weights.map((w) => {
      if (labels.has(w.version)) throw new BadRequestError(`weights: version ${w.version} is listed twice`);
      labels.add(w.version);
      return { versionId: versionByLabel(state, w.version).id, weight: w.weight };
    });
    assertValidWeights(weights);
    const weighted = weights.filter((w) => w.weight > 0);
    let baselineId: string;
    if (input.baseline) {
      baselineId = versionByLabel(state, input.baseline).id;
      if (!weighted.some((w) => w.versionId === baselineId)) {
        throw new BadRequestError(`baseline: ${input.baseline} must carry traffic in the new split`);
      }
    } else if (state.active && weighted.some((w) => w.versionId === state.active?.baseline_version_id)) {
      baselineId = state.active.baseline_version_id;
    } else if (!state.active) {
      // A first split without a named baseline: the heaviest version is the one everything is compared to.
      baselineId = [...weighted].sort((a, b) => b.weight - a.weight)[0]?.versionId ?? '';
    } else {
      throw new BadRequestError(
        'baseline: the current baseline gets no traffic in this split; name a new one',
      );
    }
    return applyRevision(ctx, state, {
      action: 'set',
      weights,
      baselineVersionId: baselineId,
      salt: state.active?.salt ?? newSalt(),
      bucketMap: mapFor(state, weights),
      restoresRevision: null,
    });
  });
}

export function canary(deps: Deps, principal: Principal, input: CanaryInput): Promise<Revision> {
  return runMutation(deps, principal, async (ctx) => {
    const state = await loadManualState(ctx.tx, input.model);
    const version = versionByLabel(state, input.version);
    if (!state.active) {
      throw new ConflictError(`model ${input.model} has no traffic yet; promote a baseline version first`);
    }
    if (state.active.baseline_version_id === version.id) {
      throw new BadRequestError(
        `version: ${input.version} is the baseline; use traffic.set or traffic.promote`,
      );
    }
    if (input.weight === 10000) {
      throw new BadRequestError('weight: a canary at 100 % is a promotion; use traffic.promote');
    }
    let weights: Weights;
    try {
      weights = canaryWeights(activeWeights(state), version.id, input.weight);
    } catch (error) {
      // The router refuses splits it cannot make (no other version left to take the rest).
      if (error instanceof RangeError) throw new BadRequestError(`weight: ${error.message}`);
      throw error;
    }
    assertValidWeights(weights);
    return applyRevision(ctx, state, {
      action: 'canary',
      weights,
      baselineVersionId: state.active.baseline_version_id,
      salt: state.active.salt,
      bucketMap: mapFor(state, weights),
      restoresRevision: null,
    });
  });
}

export function promote(deps: Deps, principal: Principal, input: PromoteInput): Promise<Revision> {
  return runMutation(deps, principal, async (ctx) => {
    const state = await loadManualState(ctx.tx, input.model);
    const version = versionByLabel(state, input.version);
    const weights = [{ versionId: version.id, weight: 10000 }];
    return applyRevision(ctx, state, {
      action: 'promote',
      weights,
      baselineVersionId: version.id,
      salt: state.active?.salt ?? newSalt(),
      bucketMap: mapFor(state, weights),
      restoresRevision: null,
    });
  });
}

export function reshuffle(deps: Deps, principal: Principal, input: { model: string }): Promise<Revision> {
  return runMutation(deps, principal, async (ctx) => {
    const state = await loadManualState(ctx.tx, input.model);
    if (!state.active) throw new ConflictError(`model ${input.model} has no traffic to reshuffle`);
    return applyRevision(ctx, state, {
      action: 'reshuffle',
      weights: state.active.weights,
      baselineVersionId: state.active.baseline_version_id,
      salt: newSalt(),
      bucketMap: state.active.bucket_map,
      restoresRevision: null,
    });
  });
}

/**
 * Undo: restores the revision that was active before the current one's content was made.
 * Repeated rollbacks walk further back instead of flipping between two revisions.
 */
export function rollback(deps: Deps, principal: Principal, input: RollbackInput): Promise<Revision> {
  return runMutation(deps, principal, async (ctx) => {
    const state = await loadManualState(ctx.tx, input.model);
    if (!state.active) throw new ConflictError(`model ${input.model} has no traffic to roll back`);
    let targetNumber: number | null;
    if (input.to !== undefined) {
      targetNumber = input.to;
      if (targetNumber === state.active.revision) {
        throw new ConflictError(`revision ${targetNumber} is already active`);
      }
    } else {
      const origin = state.active.restores_revision ?? state.active.revision;
      const originRow = await findRevision(ctx.tx, state.model.id, origin);
      targetNumber = originRow?.derived_from ?? null;
      if (targetNumber === null) {
        throw new ConflictError(`model ${input.model} has no earlier revision to roll back to`);
      }
    }
    const target = await findRevision(ctx.tx, state.model.id, targetNumber);
    if (!target) throw new NotFoundError(`revision ${targetNumber} of ${input.model} not found`);
    const archived = target.weights
      .map((w) => state.versions.find((v) => v.id === w.versionId))
      .filter((v) => v?.status === 'archived')
      .map((v) => v?.version);
    if (archived.length > 0) {
      throw new ConflictError(
        `revision ${targetNumber} sends traffic to archived version(s) ${archived.join(', ')}; it cannot be restored`,
      );
    }
    return applyRevision(ctx, state, {
      action: 'rollback',
      weights: target.weights,
      baselineVersionId: target.baseline_version_id,
      salt: target.salt,
      bucketMap: target.bucket_map,
      restoresRevision: target.restores_revision ?? target.revision,
    });
  });
}
