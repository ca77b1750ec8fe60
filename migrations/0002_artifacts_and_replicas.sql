-- Content-addressed artifacts, so every control plane and replica on any host shares them,
-- and replica heartbeats, so operators can see which replicas serve the latest revision.

CREATE TABLE artifacts (
  digest text PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  chunk_count integer NOT NULL CHECK (chunk_count >= 0),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE artifact_chunks (
  digest text NOT NULL REFERENCES artifacts (digest) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  data bytea NOT NULL,
  PRIMARY KEY (digest, seq)
);

CREATE TABLE replica_heartbeats (
  replica_id text PRIMARY KEY,
  hostname text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  -- {"<model>": {"revision": 3, "generation": 7, "appliedAt": "<iso>"}, ...}
  applied jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- {"<model>@<version>": "<error>", ...}: versions this replica cannot serve, and why.
  version_errors jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_error text
);
