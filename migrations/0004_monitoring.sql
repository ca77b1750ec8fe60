-- Monitoring and experiments: the prediction log (partitioned by day), per-minute rollups that
-- merge across replicas, outcome feedback, payload-logging settings, alert rules and events, and
-- the bookkeeping that lets several control planes run fleet-wide jobs exactly once.

-- Daily partitions live in their own schema so the public schema keeps one table per concept.
CREATE SCHEMA prediction_log_partitions;

CREATE TABLE prediction_log (
  request_id text NOT NULL,
  -- When the request arrived (the replica's clock); the partition key.
  created_at timestamptz NOT NULL,
  model text NOT NULL,
  -- Version labels; assigned and served differ on fallback, served is null when nothing answered.
  assigned_version text,
  served_version text,
  revision integer,
  -- sha256 of the routing key (base64url, 128 bits): the experiment unit, never the raw key.
  routing_key_hash text,
  sticky boolean NOT NULL,
  -- Pinned requests chose their version; experiments leave them out.
  pinned boolean NOT NULL,
  input_hash text,
  latency_ms double precision NOT NULL,
  served_from text,
  status smallint NOT NULL,
  error_code text,
  replica_id text NOT NULL,
  -- {"input": ..., "output": ...} for sampled requests and failures of models with payload logging on.
  payload jsonb,
  -- Includes the partition key, as Postgres requires; it also makes a retried batch idempotent.
  PRIMARY KEY (request_id, created_at)
) PARTITION BY RANGE (created_at);

-- Rows land here only if upkeep has not yet created their day; upkeep moves them out.
CREATE TABLE prediction_log_partitions.prediction_log_default PARTITION OF prediction_log DEFAULT;
CREATE INDEX prediction_log_model_time_idx ON prediction_log (model, created_at);

CREATE TABLE prediction_rollups (
  minute timestamptz NOT NULL,
  model text NOT NULL,
  version text NOT NULL,
  replica_id text NOT NULL,
  requests integer NOT NULL CHECK (requests >= 0),
  -- 5xx responses; client errors (4xx) are counted apart, they say nothing about the model's health.
  errors integer NOT NULL CHECK (errors >= 0),
  client_errors integer NOT NULL CHECK (client_errors >= 0),
  cache_hits integer NOT NULL CHECK (cache_hits >= 0),
  -- Counts per fixed log-scale latency bucket (@modelplane/stats), so histograms merge by addition.
  latency_buckets integer[] NOT NULL,
  PRIMARY KEY (model, minute, version, replica_id)
);
CREATE INDEX prediction_rollups_minute_idx ON prediction_rollups (minute);

CREATE TABLE prediction_feedback (
  -- Minted by the replica that accepted it, so a retried flush cannot insert it twice.
  id text PRIMARY KEY,
  request_id text NOT NULL,
  model text,
  kind text NOT NULL CHECK (kind IN ('conversion', 'value')),
  value double precision NOT NULL,
  received_at timestamptz NOT NULL,
  replica_id text NOT NULL
);
CREATE INDEX prediction_feedback_request_idx ON prediction_feedback (request_id);
CREATE INDEX prediction_feedback_received_idx ON prediction_feedback (received_at);

CREATE TABLE payload_logging (
  model_id text PRIMARY KEY REFERENCES models (id),
  enabled boolean NOT NULL,
  sample_rate double precision NOT NULL CHECK (sample_rate >= 0 AND sample_rate <= 1),
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_rules (
  id text PRIMARY KEY,
  model_id text NOT NULL REFERENCES models (id),
  kind text NOT NULL CHECK (kind IN ('p99_latency', 'error_rate', 'srm', 'replica_stale')),
  threshold double precision NOT NULL CHECK (threshold > 0),
  window_minutes integer NOT NULL CHECK (window_minutes > 0),
  min_requests integer NOT NULL CHECK (min_requests >= 0),
  state text NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'firing')),
  last_value double precision,
  last_evaluated_at timestamptz,
  state_changed_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (model_id, kind)
);

CREATE TABLE alert_events (
  id bigserial PRIMARY KEY,
  -- Kept when the rule is deleted: the history outlives it.
  rule_id text REFERENCES alert_rules (id) ON DELETE SET NULL,
  model text NOT NULL,
  kind text NOT NULL,
  state text NOT NULL CHECK (state IN ('firing', 'resolved')),
  value double precision,
  threshold double precision NOT NULL,
  message text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Webhook delivery: 'none' when no webhook is configured.
  delivery text NOT NULL CHECK (delivery IN ('pending', 'delivered', 'failed', 'none')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  -- A control plane posting this event holds it until then, so another never posts it concurrently.
  claimed_until timestamptz,
  delivered_at timestamptz,
  last_error text
);
CREATE INDEX alert_events_model_idx ON alert_events (model, id);
CREATE INDEX alert_events_pending_idx ON alert_events (next_attempt_at) WHERE delivery = 'pending';

-- When each fleet-wide job last ran, so a second control plane skips a run the first just did.
CREATE TABLE leader_jobs (
  name text PRIMARY KEY,
  last_run_at timestamptz NOT NULL,
  run_by text NOT NULL
);
