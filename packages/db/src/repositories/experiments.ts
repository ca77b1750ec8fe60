import { sql } from 'kysely';
import type { Executor } from './executor.ts';

/** Per assigned version: experiment units and their outcomes over a window. */
export interface VersionOutcomes {
  version: string;
  /** Sticky traffic: distinct routing keys; other traffic: one unit per request. */
  units: number;
  /** Units with at least one conversion. */
  conversions: number;
  /** Units that received any conversion feedback (true or false). */
  unitsWithConversionFeedback: number;
  /** Sum over units of each unit's value (its requests' latest values added up), and of its square. */
  valueSum: number;
  valueSumOfSquares: number;
  unitsWithValueFeedback: number;
  /** Requests in the window that have feedback. */
  requestsWithFeedback: number;
}

/**
 * Predictions made in [start, end), each credited only with feedback received within
 * `attributionSeconds` of it (a rollout's conversion check).
 */
export interface AttributedScope {
  start: Date;
  end: Date;
  attributionSeconds: number;
}

const windowStart = (windowMs: number) =>
  sql<Date>`now() - make_interval(secs => ${windowMs / 1000}::double precision)`;

/**
 * Joins the prediction log with feedback, in SQL, over the last `scope` milliseconds or an
 * attributed scope. Pinned requests are left out (they chose their
 * version); a request's conversion is any `true` it received, its value the latest value sent.
 */
export async function versionOutcomes(
  db: Executor,
  model: string,
  scope: number | AttributedScope,
): Promise<VersionOutcomes[]> {
  const exposedSince =
    typeof scope === 'number'
      ? sql`created_at >= ${windowStart(scope)}`
      : sql`created_at >= ${scope.start} AND created_at < ${scope.end}`;
  // With an attribution window, feedback counts only if it arrived within it of its prediction.
  const attributed =
    typeof scope === 'number'
      ? sql``
      : sql`AND f.received_at <= e.created_at + make_interval(secs => ${scope.attributionSeconds}::double precision)`;
  const { rows } = await sql<{
    version: string;
    units: number;
    conversions: number;
    units_conv: number;
    value_sum: number | null;
    value_sq: number | null;
    units_value: number;
    requests_fb: number;
  }>`
    WITH exposures AS (
      SELECT request_id, created_at, assigned_version,
        CASE WHEN sticky THEN 'k:' || routing_key_hash ELSE 'r:' || request_id END AS unit
      FROM prediction_log
      WHERE model = ${model} AND ${exposedSince}
        AND NOT pinned AND assigned_version IS NOT NULL
    ),
    -- One row per request with its feedback joined straight from the table (by its request_id
    -- index), so the plan stays a hash or an index join whatever the planner thinks of the CTE.
    requests AS (
      SELECT e.assigned_version AS version, e.unit,
        bool_or(f.value > 0) FILTER (WHERE f.kind = 'conversion') AS converted,
        (array_agg(f.value ORDER BY f.received_at DESC, f.id DESC) FILTER (WHERE f.kind = 'value'))[1] AS value,
        count(f.id) > 0 AS has_feedback
      FROM exposures e
      LEFT JOIN prediction_feedback f ON f.request_id = e.request_id
        -- Feedback counts only for the model it names (or any, when it names none).
        AND (f.model IS NULL OR f.model = ${model}) ${attributed}
      GROUP BY e.assigned_version, e.unit, e.request_id
    ),
    units AS (
      SELECT version, unit,
        coalesce(bool_or(converted), false) AS converted,
        bool_or(converted IS NOT NULL) AS has_conversion,
        coalesce(sum(value), 0) AS value,
        bool_or(value IS NOT NULL) AS has_value,
        count(*) FILTER (WHERE has_feedback) AS requests_fb
      FROM requests GROUP BY version, unit
    )
    SELECT version,
      count(*)::int8 AS units,
      count(*) FILTER (WHERE converted)::int8 AS conversions,
      count(*) FILTER (WHERE has_conversion)::int8 AS units_conv,
      sum(value)::float8 AS value_sum,
      sum(value * value)::float8 AS value_sq,
      count(*) FILTER (WHERE has_value)::int8 AS units_value,
      sum(requests_fb)::int8 AS requests_fb
    FROM units GROUP BY version ORDER BY version
  `.execute(db);
  return rows.map((row) => ({
    version: row.version,
    units: Number(row.units),
    conversions: Number(row.conversions),
    unitsWithConversionFeedback: Number(row.units_conv),
    valueSum: Number(row.value_sum ?? 0),
    valueSumOfSquares: Number(row.value_sq ?? 0),
    unitsWithValueFeedback: Number(row.units_value),
    requestsWithFeedback: Number(row.requests_fb),
  }));
}

/**
 * Feedback received in the window whose request id matches no logged prediction at all. Feedback
 * that names another model is not counted; feedback that names no model is.
 */
export async function unmatchedFeedback(db: Executor, model: string, windowMs: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int8 AS n FROM prediction_feedback f
    WHERE f.received_at >= ${windowStart(windowMs)} AND (f.model IS NULL OR f.model = ${model})
      AND NOT EXISTS (SELECT 1 FROM prediction_log p WHERE p.request_id = f.request_id)
  `.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Distinct sticky units per (revision, assigned version) since `since`. */
export interface RevisionUnits {
  revision: number;
  version: string;
  units: number;
}

/** The counts a sample-ratio-mismatch check needs: unique sticky units per arm, per revision. */
export async function stickyUnitsByRevision(
  db: Executor,
  model: string,
  since: Date | { windowMs: number },
  revision?: number,
): Promise<RevisionUnits[]> {
  const start = since instanceof Date ? sql<Date>`${since}::timestamptz` : windowStart(since.windowMs);
  const { rows } = await sql<{ revision: number; version: string; units: number }>`
    SELECT revision, assigned_version AS version, count(DISTINCT routing_key_hash)::int8 AS units
    FROM prediction_log
    WHERE model = ${model} AND created_at >= ${start} AND sticky AND NOT pinned
      AND revision IS NOT NULL AND assigned_version IS NOT NULL
      ${revision === undefined ? sql`` : sql`AND revision = ${revision}`}
    GROUP BY revision, assigned_version ORDER BY revision, assigned_version
  `.execute(db);
  return rows.map((r) => ({ revision: Number(r.revision), version: r.version, units: Number(r.units) }));
}
