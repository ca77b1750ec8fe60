import type { Selectable } from 'kysely';
import type { DB } from './types.ts';

const notNull = { nullable: false } as const;
const nullable = { nullable: true } as const;

/**
 * The public schema as migrations/ builds it: every table, every column and whether it is nullable.
 * The drift test compares this with information_schema after migrating; the type check below ties it
 * to DB in types.ts, so SQL, this file and the Kysely types cannot drift apart unnoticed.
 */
export const SCHEMA_SHAPE = {
  models: {
    id: notNull,
    name: notNull,
    description: notNull,
    cache_enabled: notNull,
    cache_ttl_seconds: notNull,
    config_generation: notNull,
    cache_generation: notNull,
    active_revision: nullable,
    created_by: notNull,
    created_at: notNull,
    updated_at: notNull,
  },
  model_versions: {
    id: notNull,
    model_id: notNull,
    version: notNull,
    backend_kind: notNull,
    backend_config: notNull,
    artifact_uri: nullable,
    artifact_digest: nullable,
    input_schema: nullable,
    output_schema: nullable,
    serving_options: notNull,
    metrics: notNull,
    status: notNull,
    description: notNull,
    created_by: notNull,
    created_at: notNull,
    cache_generation: notNull,
    signature: nullable,
    warmup: nullable,
  },
  routing_revisions: {
    model_id: notNull,
    revision: notNull,
    action: notNull,
    weights: notNull,
    baseline_version_id: notNull,
    salt: notNull,

    bucket_map: notNull,
    derived_from: nullable,
    restores_revision: nullable,
    created_by: notNull,
    created_at: notNull,
  },
  audit_log: {
    id: notNull,
    actor: notNull,
    actor_role: notNull,
    action: notNull,
    target: notNull,
    before: nullable,
    after: nullable,
    created_at: notNull,
    request_id: nullable,
    source_address: nullable,
  },
  api_tokens: {
    id: notNull,
    name: notNull,
    role: notNull,
    token_hash: notNull,
    created_by: notNull,
    created_at: notNull,
    revoked_at: nullable,
    last_used_at: nullable,
    rate_per_second: nullable,
    burst: nullable,
  },
  dashboard_sessions: {
    id: notNull,
    token_hash: notNull,
    csrf_token: notNull,
    created_at: notNull,
    expires_at: notNull,
  },
  token_state: {
    id: notNull,
    generation: notNull,
  },
  artifacts: {
    digest: notNull,
    size_bytes: notNull,
    chunk_count: notNull,
    created_by: notNull,
    created_at: notNull,
  },
  artifact_chunks: {
    digest: notNull,
    seq: notNull,
    data: notNull,
  },
  replica_heartbeats: {
    replica_id: notNull,
    hostname: notNull,
    started_at: notNull,
    last_seen_at: notNull,
    applied: notNull,
    version_errors: notNull,
    version_warnings: notNull,
    last_error: nullable,
  },
  // Partitioned: its daily partitions live in the prediction_log_partitions schema, outside this check.
  prediction_log: {
    request_id: notNull,
    created_at: notNull,
    model: notNull,
    assigned_version: nullable,
    served_version: nullable,
    revision: nullable,
    routing_key_hash: nullable,
    sticky: notNull,
    pinned: notNull,
    input_hash: nullable,
    latency_ms: notNull,
    served_from: nullable,
    status: notNull,
    error_code: nullable,
    replica_id: notNull,
    payload: nullable,
  },
  prediction_rollups: {
    minute: notNull,
    model: notNull,
    version: notNull,
    replica_id: notNull,
    requests: notNull,
    errors: notNull,
    client_errors: notNull,
    cache_hits: notNull,
    latency_buckets: notNull,
    uncached_latency_buckets: nullable,
  },
  prediction_feedback: {
    id: notNull,
    request_id: notNull,
    model: nullable,
    kind: notNull,
    value: notNull,
    received_at: notNull,
    replica_id: notNull,
  },
  payload_logging: {
    model_id: notNull,
    enabled: notNull,
    sample_rate: notNull,
    updated_by: notNull,
    updated_at: notNull,
  },
  alert_rules: {
    id: notNull,
    model_id: notNull,
    kind: notNull,
    threshold: notNull,
    window_minutes: notNull,
    min_requests: notNull,
    state: notNull,
    last_value: nullable,
    last_evaluated_at: nullable,
    state_changed_at: nullable,
    created_by: notNull,
    created_at: notNull,
    updated_at: notNull,
  },
  alert_events: {
    id: notNull,
    rule_id: nullable,
    model: notNull,
    kind: notNull,
    state: notNull,
    value: nullable,
    threshold: nullable,
    message: notNull,
    payload: nullable,
    created_at: notNull,
    delivery: notNull,
    attempts: notNull,
    next_attempt_at: nullable,
    claimed_until: nullable,
    delivered_at: nullable,
    last_error: nullable,
  },
  leader_jobs: {
    name: notNull,
    last_run_at: notNull,
    run_by: notNull,
  },
  rollouts: {
    id: notNull,
    model_id: notNull,
    candidate_version_id: notNull,
    baseline_version_id: notNull,
    steps: notNull,
    min_bake_seconds: notNull,
    min_samples_per_arm: notNull,
    check_config: notNull,
    tick_interval_seconds: notNull,
    options: notNull,
    state: notNull,
    current_step: notNull,
    step_started_at: notNull,
    consecutive_failures: notNull,
    consecutive_errors: notNull,
    last_tick_at: nullable,
    state_reason: nullable,
    version: notNull,
    created_by: notNull,
    created_at: notNull,
    updated_at: notNull,
  },
  rollout_ticks: {
    id: notNull,
    rollout_id: notNull,
    ticked_at: notNull,
    step: notNull,
    weight: notNull,
    window_start: notNull,
    window_end: notNull,
    checks: notNull,
    decision: notNull,
    reason: notNull,
    state: notNull,
  },
} as const;

type Shape = typeof SCHEMA_SHAPE;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** For each table, each column mapped to whether its selected type admits null. */
type DbNullability = {
  [T in keyof DB]: { [C in keyof Selectable<DB[T]>]: null extends Selectable<DB[T]>[C] ? true : false };
};
type ShapeNullability = {
  [T in keyof Shape]: { [C in keyof Shape[T]]: Shape[T][C] extends { nullable: infer N } ? N : never };
};

/**
 * Compile-time proof that SCHEMA_SHAPE and DB list the same tables, columns and nullability:
 * if they disagree, `true` is not assignable here and typecheck fails.
 */
export const SCHEMA_SHAPE_MATCHES_DB: Same<DbNullability, ShapeNullability> = true;
