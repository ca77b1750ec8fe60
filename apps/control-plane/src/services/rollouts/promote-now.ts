import { findActiveRollout, findRollout, insertRolloutTick, updateRolloutIfVersion } from '@modelplane/db';
import { NotFoundError, type PromoteNowInput } from '@modelplane/schemas';
import { sql } from 'kysely';
import type { Principal } from '../../auth.ts';
import type { Deps } from '../../deps.ts';
import { runMutation } from '../mutation.ts';
import { loadState } from '../traffic.ts';
import { recordRolloutEvent, webhookConfigured } from './events.ts';
import { moveRolloutTraffic, StaleRolloutError } from './traffic-step.ts';
import { type RolloutView, toRolloutView } from './view.ts';

/**
 * Promotes the model's active rollout now: the candidate goes to 100 % through the same revision
 * path as a promotion the checks decided, and the rollout ends `promoted`. The audit row, the
 * rollout's history and the webhook event all say that analysis was skipped, and why.
 */
export function promoteNow(deps: Deps, principal: Principal, input: PromoteNowInput): Promise<RolloutView> {
  return runMutation(deps, principal, async (ctx) => {
    // Lock the model first (as every traffic change does), then read its rollout as it is now.
    const state = await loadState(ctx.tx, input.model);
    const row = await findActiveRollout(ctx.tx, state.model.id);
    if (!row) {
      throw new NotFoundError(`model: ${input.model} has no running, waiting or paused rollout to promote`);
    }
    const last = row.steps.length - 1;
    const from = row.steps[row.current_step] ?? 0;
    const reason = `promoted now by ${principal.actor}, analysis skipped: ${input.reason}`;
    await moveRolloutTraffic(ctx, input.model, row, { kind: 'promote' }, 'rollout.promote_now', {
      step: last,
      weight: 100,
      analysisSkipped: true,
      reason: input.reason,
    });
    const ok = await updateRolloutIfVersion(ctx.tx, row.id, row.version, {
      state: 'promoted',
      currentStep: last,
      restartStep: true,
      stateReason: reason,
    });
    if (!ok) throw new StaleRolloutError(row.id);
    const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(ctx.tx);
    const now = new Date(rows[0]?.now ?? Date.now());
    // An entry in the rollout's own history, with no checks: nothing was evaluated.
    const tickId = await insertRolloutTick(ctx.tx, {
      rolloutId: row.id,
      step: last,
      weight: 100,
      windowStart: now,
      windowEnd: now,
      checks: [],
      decision: 'promote_now',
      reason,
      state: 'promoted',
    });
    await recordRolloutEvent(ctx.tx, webhookConfigured(deps), input.model, row, {
      kind: 'rollout.promote_now',
      state: 'event',
      rolloutState: 'promoted',
      fromWeight: from,
      toWeight: 100,
      reason: input.reason,
      actor: principal.actor,
      tickId,
      analysisSkipped: true,
    });
    const after = await findRollout(ctx.tx, row.id);
    return toRolloutView(input.model, after ?? row, state.versions);
  });
}
