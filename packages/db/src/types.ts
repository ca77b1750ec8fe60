// Kysely types for the tables in migrations/. A test compares them with information_schema,
// so a migration that changes a column without changing this file fails CI.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** bigint columns: both drivers are configured to parse int8 as a JS number (generations and ids stay far below 2^53). */
type Int8 = ColumnType<number, number | undefined, number>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface ModelsTable {
  id: string;
  name: string;
  description: Generated<string>;
  cache_enabled: Generated<boolean>;
  cache_ttl_seconds: Generated<number>;
  config_generation: Int8;
  cache_generation: Int8;
  active_revision: number | null;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ModelVersionsTable {
  id: string;
  model_id: string;
  version: string;
  backend_kind: string;
  backend_config: Json<Record<string, unknown>>;
  artifact_uri: string | null;
  artifact_digest: string | null;
  input_schema: Json<unknown> | null;
  output_schema: Json<unknown> | null;
  serving_options: Json<Record<string, unknown>>;
  metrics: Json<Record<string, number>>;
  status: Generated<string>;
  description: Generated<string>;
  created_by: string;
  created_at: Generated<Date>;
}

export interface RoutingRevisionsTable {
  model_id: string;
  revision: number;
  action: string;
  weights: Json<Array<{ versionId: string; weight: number }>>;
  baseline_version_id: string;
  salt: string;
  bucket_map: Uint8Array;
  derived_from: number | null;
  restores_revision: number | null;
  created_by: string;
  created_at: Generated<Date>;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor: string;
  actor_role: string;
  action: string;
  target: string;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
  created_at: Generated<Date>;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_by: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface TokenStateTable {
  id: Generated<boolean>;
  generation: Int8;
}

export interface ArtifactsTable {
  digest: string;
  size_bytes: Int8;
  chunk_count: number;
  created_by: string;
  created_at: Generated<Date>;
}

export interface ArtifactChunksTable {
  digest: string;
  seq: number;
  data: Uint8Array;
}

/** What one replica applied for one model, as it reports in its heartbeat. */
export interface AppliedModelState {
  revision: number | null;
  generation: number;
  appliedAt: string;
}

export interface ReplicaHeartbeatsTable {
  replica_id: string;
  hostname: string;
  started_at: Timestamp;
  last_seen_at: Timestamp;
  applied: Json<Record<string, AppliedModelState>>;
  version_errors: Json<Record<string, string>>;
  last_error: string | null;
}

export interface DB {
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  routing_revisions: RoutingRevisionsTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
  token_state: TokenStateTable;
  artifacts: ArtifactsTable;
  artifact_chunks: ArtifactChunksTable;
  replica_heartbeats: ReplicaHeartbeatsTable;
}

export type ModelRow = Selectable<ModelsTable>;
export type NewModelRow = Insertable<ModelsTable>;
export type ModelUpdate = Updateable<ModelsTable>;
export type ModelVersionRow = Selectable<ModelVersionsTable>;
export type RoutingRevisionRow = Selectable<RoutingRevisionsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type ReplicaHeartbeatRow = Selectable<ReplicaHeartbeatsTable>;
