import { findRevision, listLiveHeartbeats, listVersions } from '@modelplane/db';
import { NotFoundError, type RolloutStatus, type RolloutStatusInput } from '@modelplane/schemas';
import type { Deps } from '../deps.ts';
import { requireModel } from './registry.ts';
import { replicaState, rolloutState } from './replica-state.ts';
import { configMark, modelVersionErrors, rolloutTarget } from './replicas.ts';

/**
 * `traffic.status`: how far every live replica is with a revision of the model (the active one by
 * default), like `kubectl rollout status`. One read, no waiting: callers poll it (the CLI every
 * 500 ms) until the state is `complete` or `failed`, or their own deadline passes.
 */
export async function rolloutStatus(deps: Deps, input: RolloutStatusInput): Promise<RolloutStatus> {
  const model = await requireModel(deps.db, input.model);
  const number = input.revision ?? model.active_revision;
  if (number === null) throw new NotFoundError(`model ${model.name} has no traffic yet`);
  const revision = await findRevision(deps.db, model.id, number);
  if (!revision) throw new NotFoundError(`revision ${number} of ${model.name} not found`);
  const versions = await listVersions(deps.db, model.id);
  const target = rolloutTarget(model, revision, versions);
  // A later config superseded an older revision; only whether replicas reached it is asked.
  const config = number === model.active_revision ? configMark(model) : null;
  const { REPLICA_LIVE_WINDOW_MS, REPLICA_STALE_AFTER_MS } = deps.config;
  const { now, replicas } = await listLiveHeartbeats(deps.db, REPLICA_LIVE_WINDOW_MS);
  const rows = replicas.map((replica) => {
    const report = replica.applied[model.name];
    const verdict = replicaState({
      report,
      versionErrors: modelVersionErrors(replica, model.name),
      target,
      config,
      now,
      staleAfterMs: REPLICA_STALE_AFTER_MS,
    });
    return {
      replicaId: replica.replica_id,
      hostname: replica.hostname,
      ...verdict,
      appliedRevision: report !== undefined && report.generation > 0 ? report.revision : null,
      lastSeenAt: new Date(replica.last_seen_at).toISOString(),
    };
  });
  return {
    model: model.name,
    revision: number,
    activeRevision: model.active_revision,
    state: rolloutState(rows.map((r) => r.state)),
    replicas: rows,
  };
}
