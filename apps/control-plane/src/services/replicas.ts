import {
  listLiveHeartbeats,
  type ModelRow,
  type ModelVersionRow,
  type ReplicaHeartbeat,
  type RoutingRevisionRow,
} from '@modelplane/db';
import type { ReplicaState } from '@modelplane/schemas';
import type { Deps } from '../deps.ts';
import { behindSince, type ConfigMark, type RolloutTarget, replicaState } from './replica-state.ts';

/** One data-plane replica as `traffic.get` shows it for one model. */
export interface ReplicaStatus {
  replicaId: string;
  hostname: string;
  lastSeenAt: string;
  /** The revision this replica routes the model with; null if it holds no table for the model. */
  appliedRevision: number | null;
  appliedGeneration: number | null;
  appliedAt: string | null;
  /** See {@link replicaState}: `in-sync` only once the active revision is applied with every version loaded. */
  state: ReplicaState;
  /** Why the replica is not `in-sync` (load error, versions loading, how far behind); null when it is. */
  reason: string | null;
  /** `<model>@<version>` still loading for a table the replica has not applied yet. */
  loading: string[];
  /** The newest revision the replica refused as invalid, if it refused one it has not moved past. */
  rejectedRevision: number | null;
  /** `<model>@<version>` → why the replica cannot serve that version (this model's versions only). */
  versionErrors: Record<string, string>;
  /** `<model>@<version>` → why its warm-up with zeros failed; it serves anyway (this model's versions only). */
  versionWarnings: Record<string, string>;
  lastError: string | null;
}

const iso = (date: Date | string) => new Date(date).toISOString();

/** The model's newest config, as replicas are judged against it. */
export function configMark(model: ModelRow): ConfigMark {
  // updated_at moves with every generation bump, so it dates the newest change a replica may lack.
  return { generation: Number(model.config_generation), updatedAt: model.updated_at };
}

/** A stored revision as a rollout target: its number, age and the refs of the versions it routes to. */
export function rolloutTarget(
  model: ModelRow,
  revision: Pick<RoutingRevisionRow, 'revision' | 'created_at' | 'weights'>,
  versions: readonly Pick<ModelVersionRow, 'id' | 'version'>[],
): RolloutTarget {
  const label = (id: string) => versions.find((v) => v.id === id)?.version ?? id;
  return {
    revision: revision.revision,
    createdAt: revision.created_at,
    refs: revision.weights.map((w) => `${model.name}@${label(w.versionId)}`),
  };
}

/**
 * Whether a replica lags the model for longer than `lagMs` (its applied revision behind `active`, or
 * its applied generation behind the model's), on the database's clock. The `replica_stale` alert.
 */
export function replicaLags(
  replica: ReplicaHeartbeat,
  model: ModelRow,
  active: RoutingRevisionRow | null,
  now: Date,
  lagMs: number,
): boolean {
  const target = active && { revision: active.revision, createdAt: active.created_at, refs: [] };
  const since = behindSince(replica.applied[model.name], target, configMark(model));
  return since !== null && now.getTime() - since.getTime() > lagMs;
}

/** This model's entries of a replica's version errors. */
export function modelVersionErrors(replica: ReplicaHeartbeat, model: string): Record<string, string> {
  return ofModel(replica.version_errors, model);
}

function ofModel(byRef: Record<string, string> | null | undefined, model: string): Record<string, string> {
  const prefix = `${model}@`;
  return Object.fromEntries(Object.entries(byRef ?? {}).filter(([ref]) => ref.startsWith(prefix)));
}

function toStatus(
  replica: ReplicaHeartbeat,
  model: ModelRow,
  target: RolloutTarget | null,
  now: Date,
  staleAfterMs: number,
): ReplicaStatus {
  const report = replica.applied[model.name];
  const versionErrors = modelVersionErrors(replica, model.name);
  const verdict = replicaState({
    report,
    versionErrors,
    target,
    config: configMark(model),
    now,
    staleAfterMs,
  });
  const hasTable = report !== undefined && report.generation > 0;
  return {
    replicaId: replica.replica_id,
    hostname: replica.hostname,
    lastSeenAt: iso(replica.last_seen_at),
    appliedRevision: hasTable ? report.revision : null,
    appliedGeneration: hasTable ? report.generation : null,
    appliedAt: hasTable ? report.appliedAt : null,
    ...verdict,
    loading: report?.applying?.loading ?? [],
    rejectedRevision: report?.rejected?.revision ?? null,
    versionErrors,
    versionWarnings: ofModel(replica.version_warnings, model.name),
    lastError: replica.last_error,
  };
}

/** Live replicas (seen within REPLICA_LIVE_WINDOW_MS) and how far each is with `model`. */
export async function listReplicaStatuses(
  deps: Deps,
  model: ModelRow,
  active: RoutingRevisionRow | null,
  versions: readonly ModelVersionRow[],
): Promise<ReplicaStatus[]> {
  const live = await listLiveHeartbeats(deps.db, deps.config.REPLICA_LIVE_WINDOW_MS);
  return replicaStatusesOf(deps, live, model, active, versions);
}

/** {@link listReplicaStatuses} on heartbeats already read, so a view of every model reads them once. */
export function replicaStatusesOf(
  deps: Deps,
  live: { now: Date; replicas: ReplicaHeartbeat[] },
  model: ModelRow,
  active: Pick<RoutingRevisionRow, 'revision' | 'created_at' | 'weights'> | null,
  versions: readonly Pick<ModelVersionRow, 'id' | 'version'>[],
): ReplicaStatus[] {
  const target = active && rolloutTarget(model, active, versions);
  return live.replicas.map((r) => toStatus(r, model, target, live.now, deps.config.REPLICA_STALE_AFTER_MS));
}
