import { sql } from 'kysely';
import type { Executor } from './executor.ts';
import { uncachedSplitKnown } from './rollup-histograms.ts';

/** One replica's numbers for one version in one minute. */
export interface RollupInput {
  minute: Date;
  model: string;
  version: string;
  replicaId: string;
  requests: number;
  errors: number;
  clientErrors: number;
  cacheHits: number;
  /** Counts per fixed latency bucket (@modelplane/stats LATENCY_BUCKET_COUNT long). */
  latencyBuckets: readonly number[];
  /**
   * The same histogram over the requests no cache tier answered (it sums to requests − cacheHits).
   * Absent or null: unknown, as replicas that predate it write.
   */
  uncachedLatencyBuckets?: readonly number[] | null;
}

const arrayLiteral = (counts: readonly number[]) => `{${counts.join(',')}}`;

/** Bucket-by-bucket sum of the stored and the incoming histogram in `column`. */
const addHistograms = (column: string) =>
  sql<string>`ARRAY(
    SELECT coalesce(a, 0) + coalesce(b, 0)
    FROM unnest(${sql.ref(`prediction_rollups.${column}`)}, ${sql.ref(`excluded.${column}`)}) WITH ORDINALITY AS u(a, b, i)
    ORDER BY i)`;

/**
 * Adds rollups into the table. A key written before (the same replica flushing a minute twice, after
 * a restart) has its counts and histogram added to, never replaced, so nothing is lost or doubled.
 */
export async function upsertRollups(db: Executor, rows: readonly RollupInput[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('prediction_rollups')
    .values(
      rows.map((row) => ({
        minute: row.minute,
        model: row.model,
        version: row.version,
        replica_id: row.replicaId,
        requests: row.requests,
        errors: row.errors,
        client_errors: row.clientErrors,
        cache_hits: row.cacheHits,
        latency_buckets: arrayLiteral(row.latencyBuckets),
        uncached_latency_buckets: row.uncachedLatencyBuckets
          ? arrayLiteral(row.uncachedLatencyBuckets)
          : null,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['model', 'minute', 'version', 'replica_id']).doUpdateSet({
        requests: sql`prediction_rollups.requests + excluded.requests`,
        errors: sql`prediction_rollups.errors + excluded.errors`,
        client_errors: sql`prediction_rollups.client_errors + excluded.client_errors`,
        cache_hits: sql`prediction_rollups.cache_hits + excluded.cache_hits`,
        latency_buckets: addHistograms('latency_buckets'),
        // Unknown stays unknown: a row any part of which came without the split cannot be split.
        uncached_latency_buckets: sql<string | null>`CASE
          WHEN prediction_rollups.uncached_latency_buckets IS NULL OR excluded.uncached_latency_buckets IS NULL
          THEN NULL ELSE ${addHistograms('uncached_latency_buckets')} END`,
      }),
    )
    .execute();
}

/** The fleet's numbers for one version over a window: every replica and minute merged. */
export interface VersionRollup {
  version: string;
  requests: number;
  errors: number;
  clientErrors: number;
  cacheHits: number;
  /** Merged counts per latency bucket (index → count; buckets with no requests are absent). */
  buckets: Map<number, number>;
  /** The same for the requests no cache tier answered, over the rows that carry that histogram. */
  uncachedBuckets: Map<number, number>;
  /** Requests in rows without a (whole) uncached histogram: written by replicas that predate it. */
  unsplitRequests: number;
}

/**
 * Sums the rollups of `model` over the last `windowMs` (whole minutes, on the database clock).
 * Histograms are merged bucket by bucket in SQL, so percentiles come from the fleet's distribution.
 */
export async function fleetRollups(db: Executor, model: string, windowMs: number): Promise<VersionRollup[]> {
  return (await sumRollups(db, windowMs, model)).get(model) ?? [];
}

/** {@link fleetRollups} for every model at once (two queries, whatever the number of models), by model. */
export function fleetRollupsByModel(db: Executor, windowMs: number): Promise<Map<string, VersionRollup[]>> {
  return sumRollups(db, windowMs, null);
}

async function sumRollups(
  db: Executor,
  windowMs: number,
  model: string | null,
): Promise<Map<string, VersionRollup[]>> {
  const since = sql<Date>`date_trunc('minute', now() - make_interval(secs => ${windowMs / 1000}::double precision))`;
  let totalsQuery = db
    .selectFrom('prediction_rollups as r')
    .select([
      'model',
      'version',
      sql<number>`sum(requests)::int8`.as('requests'),
      sql<number>`sum(errors)::int8`.as('errors'),
      sql<number>`sum(client_errors)::int8`.as('client_errors'),
      sql<number>`sum(cache_hits)::int8`.as('cache_hits'),
      sql<number>`coalesce(sum(requests) FILTER (WHERE NOT ${uncachedSplitKnown}), 0)::int8`.as('unsplit'),
    ])
    .where('minute', '>=', since)
    .groupBy(['model', 'version'])
    .orderBy('model')
    .orderBy('version');
  if (model !== null) totalsQuery = totalsQuery.where('model', '=', model);
  const totals = await totalsQuery.execute();
  const modelFilter = model === null ? sql`` : sql`AND r.model = ${model}`;
  const { rows } = await sql<{ uncached: boolean; model: string; version: string; i: number; c: number }>`
    SELECT false AS uncached, r.model, r.version, (h.i - 1)::int4 AS i, sum(h.c)::int8 AS c
    FROM prediction_rollups r, unnest(r.latency_buckets) WITH ORDINALITY AS h(c, i)
    WHERE r.minute >= ${since} ${modelFilter} AND h.c > 0
    GROUP BY r.model, r.version, h.i
    UNION ALL
    SELECT true, r.model, r.version, (h.i - 1)::int4, sum(h.c)::int8
    FROM prediction_rollups r, unnest(r.uncached_latency_buckets) WITH ORDINALITY AS h(c, i)
    WHERE r.minute >= ${since} ${modelFilter} AND ${uncachedSplitKnown} AND h.c > 0
    GROUP BY r.model, r.version, h.i
  `.execute(db);
  const buckets = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const key = `${row.uncached}|${row.model}@${row.version}`;
    let map = buckets.get(key);
    if (!map) {
      map = new Map();
      buckets.set(key, map);
    }
    map.set(Number(row.i), Number(row.c));
  }
  const byModel = new Map<string, VersionRollup[]>();
  for (const t of totals) {
    const list = byModel.get(t.model) ?? [];
    list.push({
      version: t.version,
      requests: Number(t.requests),
      errors: Number(t.errors),
      clientErrors: Number(t.client_errors),
      cacheHits: Number(t.cache_hits),
      buckets: buckets.get(`false|${t.model}@${t.version}`) ?? new Map(),
      uncachedBuckets: buckets.get(`true|${t.model}@${t.version}`) ?? new Map(),
      unsplitRequests: Number(t.unsplit),
    });
    byModel.set(t.model, list);
  }
  return byModel;
}
