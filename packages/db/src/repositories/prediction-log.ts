import { sql } from 'kysely';
import type { Executor } from './executor.ts';

/** One prediction-log row as the data plane writes it. */
export interface PredictionLogInput {
  requestId: string;
  createdAt: Date;
  model: string;
  assignedVersion: string | null;
  servedVersion: string | null;
  revision: number | null;
  routingKeyHash: string | null;
  sticky: boolean;
  pinned: boolean;
  inputHash: string | null;
  latencyMs: number;
  servedFrom: string | null;
  status: number;
  errorCode: string | null;
  replicaId: string;
  /** Ready-made JSON text (`{"input":...,"output":...}`), or null. */
  payloadJson: string | null;
}

/**
 * Writes a batch in one statement: one array parameter per column, unnested, so a batch of thousands
 * costs 16 parameters and one round trip. A retried batch is harmless: rows already written are skipped.
 */
export async function insertPredictionLog(db: Executor, rows: readonly PredictionLogInput[]): Promise<void> {
  if (rows.length === 0) return;
  const column = (pick: (row: PredictionLogInput) => string | number | boolean | null) =>
    textArray(rows.map(pick));
  await sql`
    INSERT INTO prediction_log (
      request_id, created_at, model, assigned_version, served_version, revision, routing_key_hash,
      sticky, pinned, input_hash, latency_ms, served_from, status, error_code, replica_id, payload
    )
    SELECT r, c, m, av, sv, rev, rk, st, pin, ih, lat, sf, status, ec, rep, payload::jsonb
    FROM unnest(
      ${column((r) => r.requestId)}::text[],
      ${column((r) => r.createdAt.toISOString())}::timestamptz[],
      ${column((r) => r.model)}::text[],
      ${column((r) => r.assignedVersion)}::text[],
      ${column((r) => r.servedVersion)}::text[],
      ${column((r) => r.revision)}::integer[],
      ${column((r) => r.routingKeyHash)}::text[],
      ${column((r) => r.sticky)}::boolean[],
      ${column((r) => r.pinned)}::boolean[],
      ${column((r) => r.inputHash)}::text[],
      ${column((r) => r.latencyMs)}::double precision[],
      ${column((r) => r.servedFrom)}::text[],
      ${column((r) => r.status)}::smallint[],
      ${column((r) => r.errorCode)}::text[],
      ${column((r) => r.replicaId)}::text[],
      ${column((r) => r.payloadJson)}::text[]
    ) AS u(r, c, m, av, sv, rev, rk, st, pin, ih, lat, sf, status, ec, rep, payload)
    ON CONFLICT (request_id, created_at) DO NOTHING
  `.execute(db);
}

/**
 * A Postgres array literal of text elements. Built here rather than left to the driver so both
 * engines (node-postgres and PGlite) receive the same plain text parameter.
 */
export function textArray(values: readonly (string | number | boolean | null)[]): string {
  const parts = values.map((value) => {
    if (value === null) return 'NULL';
    const text = String(value);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}
