-- Warm-up that real models survive (issue 11). A version may carry the request replicas warm it
-- with, checked at registration against the signature read from its uploaded ONNX artifact; the
-- signature is kept too, so metadata is served even while no replica has the version loaded.
-- Both are immutable like the rest of a version.
ALTER TABLE model_versions
  ADD COLUMN signature jsonb,
  ADD COLUMN warmup jsonb;

-- {"<model>@<version>": "<reason>", ...}: versions a replica serves although their zero warm-up
-- failed (a warning: real requests decide), beside the versions it cannot serve at all.
ALTER TABLE replica_heartbeats ADD COLUMN version_warnings jsonb NOT NULL DEFAULT '{}'::jsonb;
