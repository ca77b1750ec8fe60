import type { RolloutRow } from '@modelplane/db';
import { canaryWeights } from '@modelplane/router';
import { ConflictError, type Revision } from '@modelplane/schemas';
import type { MutationContext } from '../mutation.ts';
import { activeWeights, applyRevision, loadState, mapFor } from '../traffic.ts';

/** What a rollout does to traffic: set the candidate's weight, promote it, or take its traffic away. */
export type TrafficMove = { kind: 'weight'; percent: number } | { kind: 'promote' } | { kind: 'drain' };

/** A transition lost to another writer; thrown inside the transaction so it changes nothing. */
export class StaleRolloutError extends ConflictError {
  constructor(id: string) {
    super(`rollout ${id} was changed by someone else; reload it and retry`);
  }
}

/**
 * Moves the model's traffic for a rollout through the same revision path as `traffic canary` and
 * `traffic promote` (applyRevision: new revision, statuses, publish after commit), with the one audit
 * row named `auditAction` and carrying the rollout. Weights are basis points: percent × 100.
 */
export async function moveRolloutTraffic(
  ctx: MutationContext,
  modelName: string,
  rollout: RolloutRow,
  move: TrafficMove,
  auditAction: string,
  detail: Record<string, unknown>,
): Promise<Revision> {
  const state = await loadState(ctx.tx, modelName);
  if (!state.active) throw new ConflictError(`model ${modelName} has no traffic`);
  const candidate = rollout.candidate_version_id;
  const weights =
    move.kind === 'promote'
      ? [{ versionId: candidate, weight: 10000 }]
      : canaryWeights(
          activeWeights(state),
          candidate,
          move.kind === 'drain' ? 0 : Math.round(move.percent * 100),
        );
  const audited: MutationContext = {
    ...ctx,
    audit: (entry) =>
      ctx.audit({
        ...entry,
        action: auditAction,
        after: { revision: entry.after, rollout: { id: rollout.id, ...detail } },
      }),
  };
  return applyRevision(audited, state, {
    action: move.kind === 'promote' ? 'promote' : 'canary',
    weights,
    baselineVersionId: move.kind === 'promote' ? candidate : state.active.baseline_version_id,
    salt: state.active.salt,
    bucketMap: mapFor(state, weights),
    restoresRevision: null,
  });
}
