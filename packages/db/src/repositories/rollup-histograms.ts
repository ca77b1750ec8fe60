import { sql } from 'kysely';

/**
 * True for a `prediction_rollups` row (aliased `r`) whose uncached histogram is known and whole:
 * present, and summing to its requests − cache hits. NULL marks rows written by replicas that predate
 * the column; the sum also rejects a row an older replica added to after a newer one wrote it (its
 * upsert adds requests but leaves the histogram alone), so readers never take a partial split.
 */
export const uncachedSplitKnown = sql<boolean>`(r.uncached_latency_buckets IS NOT NULL
  AND (SELECT coalesce(sum(c), 0) FROM unnest(r.uncached_latency_buckets) AS c) = r.requests - r.cache_hits)`;
