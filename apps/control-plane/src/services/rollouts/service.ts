import { randomBytes } from 'node:crypto';
import {
  findActiveRollout,
  findRollout,
  insertRollout,
  listRolloutEvents,
  listRollouts,
  listRolloutTicks,
  listVersions,
  type RolloutRow,
  rolloutModelName,
  updateRolloutIfVersion,
} from '@modelplane/db';
import { BadRequestError, ConflictError, NotFoundError, type StartRolloutInput } from '@modelplane/schemas';
import type { Principal } from '../../auth.ts';
import type { Deps } from '../../deps.ts';
import { type MutationContext, runMutation } from '../mutation.ts';
import { requireModel } from '../registry.ts';
import { loadState } from '../traffic.ts';
import { type RolloutEvent, recordRolloutEvent, webhookConfigured } from './events.ts';
import { moveRolloutTraffic, StaleRolloutError } from './traffic-step.ts';
import { type RolloutView, toRolloutEventView, toRolloutView } from './view.ts';

/**
 * Starts a rollout: validates the candidate against the model's active traffic, stores the rollout
 * and moves the candidate to the first step's weight, in one transaction with one audit row.
 */
export function startRollout(
  deps: Deps,
  principal: Principal,
  input: StartRolloutInput,
): Promise<RolloutView> {
  return runMutation(deps, principal, async (ctx) => {
    const state = await loadState(ctx.tx, input.model);
    const candidate = state.versions.find((v) => v.version === input.candidate);
    if (!candidate) throw new NotFoundError(`candidate: version ${input.model}@${input.candidate} not found`);
    if (candidate.status === 'archived') {
      throw new BadRequestError(`candidate: ${input.model}@${input.candidate} is archived`);
    }
    if (!state.active) {
      throw new ConflictError(`model ${input.model} has no traffic yet; promote a baseline version first`);
    }
    if (state.active.baseline_version_id === candidate.id) {
      throw new BadRequestError(`candidate: ${input.candidate} is already the baseline`);
    }
    // Checked under the model's row lock, so two starts cannot both pass; the unique index backs it.
    const existing = await findActiveRollout(ctx.tx, state.model.id);
    if (existing) {
      throw new ConflictError(
        `model ${input.model} already has a ${existing.state} rollout (${existing.id})`,
      );
    }
    const row = await insertRollout(ctx.tx, {
      id: `ro_${randomBytes(8).toString('hex')}`,
      modelId: state.model.id,
      candidateVersionId: candidate.id,
      baselineVersionId: state.active.baseline_version_id,
      steps: input.steps,
      minBakeSeconds: input.minBakeSeconds,
      minSamplesPerArm: input.minSamplesPerArm,
      checkConfig: input.checks,
      tickIntervalSeconds: input.tickIntervalSeconds,
      options: {
        approvalBeforePromotion: input.approvalBeforePromotion,
        approvalEachStep: input.approvalEachStep,
      },
      createdBy: principal.actor,
    });
    const first = input.steps[0] ?? 0;
    await moveRolloutTraffic(ctx, input.model, row, { kind: 'weight', percent: first }, 'rollout.start', {
      step: 0,
      weight: first,
    });
    await recordRolloutEvent(ctx.tx, webhookConfigured(deps), input.model, row, {
      kind: 'rollout.start',
      state: 'event',
      rolloutState: row.state,
      fromWeight: 0,
      toWeight: first,
      reason: `started by ${principal.actor}`,
      actor: principal.actor,
      tickId: null,
    });
    return toRolloutView(input.model, row, state.versions);
  });
}

/** A rollout with its recent ticks and lifecycle events (newest first). */
export type RolloutDetail = RolloutView & { events: ReturnType<typeof toRolloutEventView>[] };

export async function getRollout(deps: Deps, id: string, tickLimit = 20): Promise<RolloutDetail> {
  const row = await findRollout(deps.db, id);
  if (!row) throw new NotFoundError(`rollout ${id} not found`);
  const name = (await rolloutModelName(deps.db, row.model_id)) ?? row.model_id;
  const versions = await listVersions(deps.db, row.model_id);
  const ticks = await listRolloutTicks(deps.db, id, tickLimit);
  const events = await listRolloutEvents(deps.db, id, tickLimit);
  return { ...toRolloutView(name, row, versions, ticks), events: events.map(toRolloutEventView) };
}

export async function listRolloutViews(
  deps: Deps,
  input: { model?: string; limit?: number },
): Promise<RolloutView[]> {
  const model = input.model ? await requireModel(deps.db, input.model) : null;
  const rows = await listRollouts(deps.db, model?.id ?? null, input.limit ?? 50);
  const views: RolloutView[] = [];
  for (const row of rows) {
    const name = model?.name ?? (await rolloutModelName(deps.db, row.model_id)) ?? row.model_id;
    views.push(toRolloutView(name, row, await listVersions(deps.db, row.model_id)));
  }
  return views;
}

type OperatorAction = 'approve' | 'pause' | 'resume' | 'abort';

/** The states each operator action is allowed from. */
const ALLOWED: Record<OperatorAction, RolloutRow['state'][]> = {
  approve: ['waiting_approval'],
  pause: ['running', 'waiting_approval'],
  resume: ['paused'],
  abort: ['running', 'waiting_approval', 'paused'],
};

/**
 * An operator's action on a rollout: approve (take the step waiting for approval), pause, resume
 * (restarting the step's clock and counters), abort (the candidate's traffic goes to 0).
 */
export function actOnRollout(
  deps: Deps,
  principal: Principal,
  id: string,
  action: OperatorAction,
): Promise<RolloutView> {
  return runMutation(deps, principal, async (ctx) => {
    const peek = await findRollout(ctx.tx, id);
    if (!peek) throw new NotFoundError(`rollout ${id} not found`);
    const modelName = await rolloutModelName(ctx.tx, peek.model_id);
    if (!modelName) throw new NotFoundError(`rollout ${id} has no model`);
    // Lock the model first (as every traffic change does), then read the rollout as it is now.
    await loadState(ctx.tx, modelName);
    const row = await findRollout(ctx.tx, id);
    if (!row) throw new NotFoundError(`rollout ${id} not found`);
    if (!ALLOWED[action].includes(row.state)) {
      throw new ConflictError(
        `rollout ${id} is ${row.state}; ${action} needs ${ALLOWED[action].join(' or ')}`,
      );
    }
    await applyOperatorAction(ctx, modelName, row, action);
    await recordRolloutEvent(
      ctx.tx,
      webhookConfigured(deps),
      modelName,
      row,
      operatorEvent(ctx, row, action),
    );
    return getRolloutIn(ctx, modelName, id);
  });
}

async function applyOperatorAction(
  ctx: MutationContext,
  modelName: string,
  row: RolloutRow,
  action: OperatorAction,
): Promise<void> {
  const reason = `${action} by ${ctx.principal.actor}`;
  let ok: boolean;
  if (action === 'approve') {
    const next = row.current_step + 1;
    const weight = row.steps[next] ?? 100;
    const promoting = weight === 100;
    await moveRolloutTraffic(
      ctx,
      modelName,
      row,
      promoting ? { kind: 'promote' } : { kind: 'weight', percent: weight },
      'rollout.approve',
      { step: next, weight },
    );
    ok = await updateRolloutIfVersion(ctx.tx, row.id, row.version, {
      state: promoting ? 'promoted' : 'running',
      currentStep: next,
      restartStep: true,
      consecutiveFailures: 0,
      consecutiveErrors: 0,
      stateReason: reason,
    });
  } else if (action === 'abort') {
    await moveRolloutTraffic(ctx, modelName, row, { kind: 'drain' }, 'rollout.abort', {
      step: row.current_step,
    });
    ok = await updateRolloutIfVersion(ctx.tx, row.id, row.version, { state: 'aborted', stateReason: reason });
  } else {
    const resume = action === 'resume';
    ok = await updateRolloutIfVersion(ctx.tx, row.id, row.version, {
      state: resume ? 'running' : 'paused',
      stateReason: reason,
      ...(resume && { restartStep: true, consecutiveFailures: 0, consecutiveErrors: 0 }),
    });
    await ctx.audit({ action: `rollout.${action}`, target: modelName, after: { rollout: row.id } });
  }
  if (!ok) throw new StaleRolloutError(row.id);
}

/** The webhook event of an operator's action: what it did to the candidate's weight, and by whom. */
function operatorEvent(ctx: MutationContext, row: RolloutRow, action: OperatorAction): RolloutEvent {
  const from = row.steps[row.current_step] ?? 0;
  const common = {
    state: 'event' as const,
    fromWeight: from,
    toWeight: from,
    reason: `${action} by ${ctx.principal.actor}`,
    actor: ctx.principal.actor,
    tickId: null,
  };
  if (action === 'approve') {
    const to = row.steps[row.current_step + 1] ?? 100;
    return to === 100
      ? { ...common, kind: 'rollout.promote', rolloutState: 'promoted', toWeight: 100 }
      : { ...common, kind: 'rollout.step', rolloutState: 'running', toWeight: to };
  }
  if (action === 'abort') return { ...common, kind: 'rollout.abort', rolloutState: 'aborted', toWeight: 0 };
  return action === 'pause'
    ? { ...common, kind: 'rollout.pause', rolloutState: 'paused' }
    : { ...common, kind: 'rollout.resume', rolloutState: 'running' };
}

async function getRolloutIn(ctx: MutationContext, modelName: string, id: string): Promise<RolloutView> {
  const row = await findRollout(ctx.tx, id);
  if (!row) throw new NotFoundError(`rollout ${id} not found`);
  return toRolloutView(modelName, row, await listVersions(ctx.tx, row.model_id));
}
