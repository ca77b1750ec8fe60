import { listActiveRevisions, listAllVersionLabels, listLiveHeartbeats, listModels } from '@modelplane/db';
import type { ReplicaState } from '@modelplane/schemas';
import type { Deps } from '../deps.ts';
import { replicaStatusesOf } from '../services/replicas.ts';

/** One model on one replica: the revision it routes with and how that stands against the active one. */
export interface FleetModelState {
  model: string;
  activeRevision: number | null;
  appliedRevision: number | null;
  state: ReplicaState;
  reason: string | null;
  /** `<model>@<version>` → why the replica cannot load it. */
  loadErrors: Record<string, string>;
}

/** One live data-plane replica on the fleet screen. */
export interface FleetReplica {
  replicaId: string;
  hostname: string;
  lastSeenAt: string;
  /** Seconds since its last heartbeat, on the database's clock. */
  heartbeatAgeSeconds: number;
  lastError: string | null;
  models: FleetModelState[];
}

/**
 * Every live replica with its state for every model, for the dashboard's fleet screen: four queries
 * (models, versions, active revisions, heartbeats) whatever the number of replicas or models.
 */
export async function fleetReplicas(deps: Deps): Promise<{ replicas: FleetReplica[] }> {
  const { db } = deps;
  const [models, versions, revisions, live] = await Promise.all([
    listModels(db),
    listAllVersionLabels(db),
    listActiveRevisions(db),
    listLiveHeartbeats(db, deps.config.REPLICA_LIVE_WINDOW_MS),
  ]);
  const byReplica = new Map<string, FleetModelState[]>();
  for (const model of models) {
    const active = revisions.find((r) => r.model_id === model.id) ?? null;
    const own = versions.filter((v) => v.model_id === model.id);
    for (const status of replicaStatusesOf(deps, live, model, active, own)) {
      const list = byReplica.get(status.replicaId) ?? [];
      list.push({
        model: model.name,
        activeRevision: active?.revision ?? null,
        appliedRevision: status.appliedRevision,
        state: status.state,
        reason: status.reason,
        loadErrors: status.versionErrors,
      });
      byReplica.set(status.replicaId, list);
    }
  }
  return {
    replicas: live.replicas.map((r) => ({
      replicaId: r.replica_id,
      hostname: r.hostname,
      lastSeenAt: new Date(r.last_seen_at).toISOString(),
      heartbeatAgeSeconds: Math.max(0, (live.now.getTime() - new Date(r.last_seen_at).getTime()) / 1000),
      lastError: r.last_error,
      models: byReplica.get(r.replica_id) ?? [],
    })),
  };
}
