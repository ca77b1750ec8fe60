-- Per-token quotas: a predict token may carry a fleet-wide rate (requests per second) and a burst.
-- Replicas enforce their share locally (the rate divided by the live replicas), so a quota never
-- costs a network call on the request path. Both null: no quota.
ALTER TABLE api_tokens
  ADD COLUMN rate_per_second double precision CHECK (rate_per_second > 0),
  ADD COLUMN burst integer CHECK (burst >= 1),
  ADD CONSTRAINT api_tokens_rate_and_burst CHECK ((rate_per_second IS NULL) = (burst IS NULL));
