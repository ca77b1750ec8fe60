-- The latency histogram of the requests that no cache tier answered (memory, Redis, the repeat-hit
-- memo), in the same buckets as latency_buckets, so a rollout's latency check compares the arms'
-- real work instead of their cache luck (a fresh candidate's cold cache would otherwise look slow).
-- It sums to requests - cache_hits. NULL means unknown: the row was written, at least in part, by a
-- replica that predates this column. A merge with such a row stays NULL (see upsertRollups).
ALTER TABLE prediction_rollups ADD COLUMN uncached_latency_buckets integer[];
