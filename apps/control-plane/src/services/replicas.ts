import {
  listLiveHeartbeats,
  type ModelRow,
  type ReplicaHeartbeat,
  type RoutingRevisionRow,
} from '@modelplane/db';
import type { Deps } from '../deps.ts';

/** One data-plane replica as `traffic.get` shows it for one model. */
export interface ReplicaStatus {
  replicaId: string;
  hostname: string;
  lastSeenAt: string;
  /** The revision this replica routes the model with; null if it holds no table for the model. */
  appliedRevision: number | null;
  appliedGeneration: number | null;
  appliedAt: string | null;
  /** `stale`: behind the active revision (or config generation) for longer than REPLICA_STALE_AFTER_MS. */
  state: 'in-sync' | 'stale';
  /** The newest revision the replica refused as invalid, if it refused one it has not moved past. */
  rejectedRevision: number | null;
  /** `<model>@<version>` → why the replica cannot serve that version (this model's versions only). */
  versionErrors: Record<string, string>;
  /** `<model>@<version>` → why its warm-up with zeros failed; it serves anyway (this model's versions only). */
  versionWarnings: Record<string, string>;
  lastError: string | null;
}

const iso = (date: Date | string) => new Date(date).toISOString();

/**
 * Whether a replica lags the model for longer than `staleAfterMs`, on the database's clock: its
 * applied revision is behind the active one, or its applied generation behind the model's.
 */
export function replicaState(
  replica: ReplicaHeartbeat,
  model: ModelRow,
  active: RoutingRevisionRow | null,
  now: Date,
  staleAfterMs: number,
): ReplicaStatus['state'] {
  const applied = replica.applied[model.name];
  const age = (since: Date | string) => now.getTime() - new Date(since).getTime();
  const appliedRevision = applied?.revision ?? 0;
  const revisionLag =
    active !== null && appliedRevision < active.revision && age(active.created_at) > staleAfterMs;
  // updated_at moves with every generation bump, so it dates the newest change the replica may lack.
  const generationLag =
    (applied?.generation ?? 0) < Number(model.config_generation) && age(model.updated_at) > staleAfterMs;
  return revisionLag || generationLag ? 'stale' : 'in-sync';
}

function toStatus(
  replica: ReplicaHeartbeat,
  model: ModelRow,
  active: RoutingRevisionRow | null,
  now: Date,
  staleAfterMs: number,
): ReplicaStatus {
  const applied = replica.applied[model.name];
  const prefix = `${model.name}@`;
  const ofModel = (byRef: Record<string, string> | null | undefined) =>
    Object.fromEntries(Object.entries(byRef ?? {}).filter(([ref]) => ref.startsWith(prefix)));
  const versionErrors = ofModel(replica.version_errors);
  const hasTable = applied !== undefined && applied.generation > 0;
  return {
    replicaId: replica.replica_id,
    hostname: replica.hostname,
    lastSeenAt: iso(replica.last_seen_at),
    appliedRevision: hasTable ? applied.revision : null,
    appliedGeneration: hasTable ? applied.generation : null,
    appliedAt: hasTable ? applied.appliedAt : null,
    state: replicaState(replica, model, active, now, staleAfterMs),
    rejectedRevision: applied?.rejected?.revision ?? null,
    versionErrors,
    versionWarnings: ofModel(replica.version_warnings),
    lastError: replica.last_error,
  };
}

/** Live replicas (seen within REPLICA_LIVE_WINDOW_MS) and how far each is with `model`. */
export async function listReplicaStatuses(
  deps: Deps,
  model: ModelRow,
  active: RoutingRevisionRow | null,
): Promise<ReplicaStatus[]> {
  const { REPLICA_LIVE_WINDOW_MS, REPLICA_STALE_AFTER_MS } = deps.config;
  const { now, replicas } = await listLiveHeartbeats(deps.db, REPLICA_LIVE_WINDOW_MS);
  return replicas.map((r) => toStatus(r, model, active, now, REPLICA_STALE_AFTER_MS));
}
