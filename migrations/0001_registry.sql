-- The model registry: models, immutable versions, append-only routing revisions,
-- the audit log and API tokens. Later migrations add artifacts, heartbeats and logs.

CREATE TABLE models (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  description text NOT NULL DEFAULT '',
  cache_enabled boolean NOT NULL DEFAULT false,
  cache_ttl_seconds integer NOT NULL DEFAULT 300 CHECK (cache_ttl_seconds > 0),
  -- Bumped by every change a data plane must see (revision, serving options, cache policy, purge).
  config_generation bigint NOT NULL DEFAULT 1,
  -- Bumped by a cache purge; part of every cache key.
  cache_generation bigint NOT NULL DEFAULT 1,
  active_revision integer,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE model_versions (
  id text PRIMARY KEY,
  model_id text NOT NULL REFERENCES models (id),
  version text NOT NULL CHECK (version ~ '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$'),
  backend_kind text NOT NULL CHECK (backend_kind IN ('onnx', 'oip', 'tfserving')),
  backend_config jsonb NOT NULL DEFAULT '{}'::jsonb,
  artifact_uri text,
  artifact_digest text CHECK (artifact_digest ~ '^[0-9a-f]{64}$'),
  input_schema jsonb,
  output_schema jsonb,
  serving_options jsonb NOT NULL DEFAULT '{}'::jsonb,
  metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL DEFAULT 'staging' CHECK (status IN ('staging', 'canary', 'production', 'archived')),
  description text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (model_id, version)
);

CREATE TABLE routing_revisions (
  model_id text NOT NULL REFERENCES models (id),
  revision integer NOT NULL CHECK (revision > 0),
  action text NOT NULL CHECK (action IN ('set', 'canary', 'promote', 'rollback', 'reshuffle')),
  -- [{"versionId": "mv_...", "weight": 9000}, ...] in bucket-map index order; weights sum to 10000.
  weights jsonb NOT NULL,
  baseline_version_id text NOT NULL REFERENCES model_versions (id),
  salt text NOT NULL,
  -- 10000 bytes: byte b is the index into weights of the version that owns bucket b.
  bucket_map bytea NOT NULL CHECK (length(bucket_map) = 10000),
  -- The revision active when this one was made (null for the first).
  derived_from integer,
  -- For rollbacks: the revision whose content this one restores (its original, never another rollback).
  restores_revision integer,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, revision)
);

ALTER TABLE models
  ADD CONSTRAINT models_active_revision_fk FOREIGN KEY (id, active_revision)
  REFERENCES routing_revisions (model_id, revision) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  actor text NOT NULL,
  actor_role text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  before jsonb,
  after jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_target_idx ON audit_log (target, id);

CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin', 'predict')),
  -- sha256 hex of the whole secret token; the token itself is never stored.
  token_hash text NOT NULL UNIQUE,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

-- One row: the generation of the token set, bumped on every create and revoke.
CREATE TABLE token_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  generation bigint NOT NULL
);
INSERT INTO token_state (id, generation) VALUES (true, 1);
