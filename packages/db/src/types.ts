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
  /** Bumped by a purge of this version's cached predictions (the model's own generation covers the rest). */
  cache_generation: Int8;
  /** `{ inputs, outputs }` read from the uploaded ONNX artifact at registration; null when not read. */
  signature: Json<unknown> | null;
  /** The registered warm-up request (`{ inputs: [...] }`); null: replicas warm with zeros. */
  warmup: Json<unknown> | null;
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
  /** The server-minted id of the request that made the change; null for in-process changes. */
  request_id: string | null;
  /** The caller's address (see TRUSTED_PROXIES); null for in-process changes. */
  source_address: string | null;
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
  /** Fleet-wide quota of a predict token: requests per second and burst; both null for none. */
  rate_per_second: number | null;
  burst: number | null;
}

/** A web dashboard session (migration 0014): the cookie's hash, the token it stands for, its CSRF token. */
export interface DashboardSessionsTable {
  id: string;
  token_hash: string;
  csrf_token: string;
  created_at: Generated<Date>;
  expires_at: Date;
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
  version_warnings: Json<Record<string, string>>;
  last_error: string | null;
}

/** One prediction as the data plane logged it (parent of the daily partitions). */
export interface PredictionLogTable {
  request_id: string;
  created_at: Timestamp;
  model: string;
  assigned_version: string | null;
  served_version: string | null;
  revision: number | null;
  routing_key_hash: string | null;
  sticky: boolean;
  pinned: boolean;
  input_hash: string | null;
  latency_ms: number;
  served_from: string | null;
  status: number;
  error_code: string | null;
  replica_id: string;
  payload: Json<unknown> | null;
}

/** One replica's counts for one version in one minute; latency_buckets follow @modelplane/stats. */
export interface PredictionRollupsTable {
  minute: Timestamp;
  model: string;
  version: string;
  replica_id: string;
  requests: number;
  errors: number;
  client_errors: number;
  cache_hits: number;
  latency_buckets: ColumnType<number[], string, string>;
  /** Requests no cache tier answered, same buckets; null when an older replica wrote (part of) the row. */
  uncached_latency_buckets: ColumnType<number[] | null, string | null | undefined, string | null>;
}

export interface PredictionFeedbackTable {
  id: string;
  request_id: string;
  model: string | null;
  kind: 'conversion' | 'value';
  value: number;
  received_at: Timestamp;
  replica_id: string;
}

export interface PayloadLoggingTable {
  model_id: string;
  enabled: boolean;
  sample_rate: number;
  updated_by: string;
  updated_at: Timestamp;
}

export interface AlertRulesTable {
  id: string;
  model_id: string;
  kind: string;
  threshold: number;
  window_minutes: number;
  min_requests: number;
  state: Generated<string>;
  last_value: number | null;
  last_evaluated_at: Date | null;
  state_changed_at: Date | null;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface AlertEventsTable {
  id: Generated<number>;
  rule_id: string | null;
  model: string;
  kind: string;
  /** 'event': a rollout lifecycle event (no rule fires or resolves). */
  state: 'firing' | 'resolved' | 'event';
  value: number | null;
  threshold: number | null;
  message: string;
  /** A rollout event's part of the webhook body; null for rule alerts. */
  payload: Json<Record<string, unknown>> | null;
  created_at: Generated<Date>;
  delivery: 'pending' | 'delivered' | 'failed' | 'none';
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  claimed_until: Date | null;
  delivered_at: Date | null;
  last_error: string | null;
}

export interface LeaderJobsTable {
  name: string;
  last_run_at: Timestamp;
  run_by: string;
}

export type RolloutState = 'running' | 'waiting_approval' | 'paused' | 'rolled_back' | 'promoted' | 'aborted';

export interface RolloutsTable {
  id: string;
  model_id: string;
  candidate_version_id: string;
  baseline_version_id: string;
  steps: Json<number[]>;
  min_bake_seconds: number;
  min_samples_per_arm: number;
  check_config: Json<Record<string, unknown>>;
  tick_interval_seconds: number;
  options: Json<Record<string, unknown>>;
  state: RolloutState;
  current_step: number;
  step_started_at: Timestamp;
  consecutive_failures: Generated<number>;
  consecutive_errors: Generated<number>;
  last_tick_at: Timestamp | null;
  state_reason: string | null;
  version: Generated<number>;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RolloutTicksTable {
  id: Int8;
  rollout_id: string;
  ticked_at: Generated<Date>;
  step: number;
  weight: number;
  window_start: Timestamp;
  window_end: Timestamp;
  checks: Json<unknown[]>;
  decision: string;
  reason: string;
  state: RolloutState;
}

export interface DB {
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  routing_revisions: RoutingRevisionsTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
  token_state: TokenStateTable;
  dashboard_sessions: DashboardSessionsTable;
  artifacts: ArtifactsTable;
  artifact_chunks: ArtifactChunksTable;
  replica_heartbeats: ReplicaHeartbeatsTable;
  prediction_log: PredictionLogTable;
  prediction_rollups: PredictionRollupsTable;
  prediction_feedback: PredictionFeedbackTable;
  payload_logging: PayloadLoggingTable;
  alert_rules: AlertRulesTable;
  alert_events: AlertEventsTable;
  leader_jobs: LeaderJobsTable;
  rollouts: RolloutsTable;
  rollout_ticks: RolloutTicksTable;
}

export type ModelRow = Selectable<ModelsTable>;
export type NewModelRow = Insertable<ModelsTable>;
export type ModelUpdate = Updateable<ModelsTable>;
export type ModelVersionRow = Selectable<ModelVersionsTable>;
export type RoutingRevisionRow = Selectable<RoutingRevisionsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type DashboardSessionRow = Selectable<DashboardSessionsTable>;
export type ReplicaHeartbeatRow = Selectable<ReplicaHeartbeatsTable>;
export type AlertRuleRow = Selectable<AlertRulesTable>;
export type AlertEventRow = Selectable<AlertEventsTable>;
export type RolloutRow = Selectable<RolloutsTable>;
export type RolloutTickRow = Selectable<RolloutTicksTable>;
