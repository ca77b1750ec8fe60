import { sql } from 'kysely';
import { copyPoolFor } from '../copy-pool.ts';
import type { Executor } from './executor.ts';
import { copyPredictionLog, mergePredictionLog, type PredictionLogChunks } from './prediction-log-copy.ts';
import type { PredictionLogInput } from './prediction-log-row.ts';
import { PREDICTION_LOG_COLUMNS, parsePredictionLogText, predictionLogText } from './prediction-log-text.ts';
import { storableJson, storableText } from './storable-text.ts';

export type { PredictionLogChunks } from './prediction-log-copy.ts';
export type { PredictionLogInput } from './prediction-log-row.ts';
export {
  type PredictionLogTail,
  predictionLogHead,
  predictionLogLine,
  predictionLogTail,
} from './prediction-log-text.ts';

/** Postgres's SQLSTATE for a duplicate key. */
const UNIQUE_VIOLATION = '23505';

/** Writes a batch of prediction-log rows; see {@link writePredictionLogText}. */
export async function writePredictionLog(db: Executor, rows: readonly PredictionLogInput[]): Promise<void> {
  if (rows.length === 0) return;
  if (!copyPoolFor(db)) return insertPredictionLog(db, rows);
  await writePredictionLogText(db, [predictionLogText(rows)]);
}

/**
 * Writes a batch of rows already in COPY's text format (each from `predictionLogLine`) the
 * cheapest way the engine allows: COPY on a Postgres server, the unnested INSERT elsewhere (PGlite,
 * inside a transaction). A batch that COPY finds partly written already (an earlier try committed
 * but its answer was lost) is merged instead, skipping the rows already there; every other failure
 * is the caller's to retry.
 */
export async function writePredictionLogText(db: Executor, chunks: PredictionLogChunks): Promise<void> {
  const pool = copyPoolFor(db);
  if (!pool) {
    const text = Buffer.concat(
      chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)),
    );
    return insertPredictionLog(db, parsePredictionLogText(text.toString()));
  }
  try {
    await copyPredictionLog(pool, chunks);
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    await mergePredictionLog(pool, chunks);
  }
}

/**
 * Writes a batch in one statement: one array parameter per column, unnested, so a batch of thousands
 * costs 16 parameters and one round trip. A retried batch is harmless: rows already written are skipped.
 * The arrays are built in one pass over the rows (this runs for every prediction a replica serves);
 * times travel as epoch milliseconds and become timestamps in SQL.
 */
export async function insertPredictionLog(db: Executor, rows: readonly PredictionLogInput[]): Promise<void> {
  if (rows.length === 0) return;
  const c = Array.from({ length: 16 }, () => new ArrayBuilder());
  for (const r of rows) {
    c[0]?.number(r.createdAt.getTime());
    c[1]?.number(r.latencyMs);
    c[2]?.text(r.routingKeyHash);
    c[3]?.text(r.requestId);
    c[4]?.text(r.model);
    c[5]?.text(r.assignedVersion);
    c[6]?.text(r.servedVersion);
    c[7]?.number(r.revision);
    c[8]?.boolean(r.sticky);
    c[9]?.boolean(r.pinned);
    c[10]?.text(r.inputHash);
    c[11]?.text(r.servedFrom);
    c[12]?.number(r.status);
    c[13]?.text(r.errorCode);
    c[14]?.text(r.replicaId);
    c[15]?.text(r.payloadJson === null ? null : storableJson(r.payloadJson));
  }
  const [at, lat, rk, r, m, av, sv, rev, st, pin, ih, sf, status, ec, rep, payload] = c.map((b) => b.done());
  await sql`
    INSERT INTO prediction_log (${sql.raw(PREDICTION_LOG_COLUMNS)})
    SELECT to_timestamp(at / 1000.0), lat, rk, r, m, av, sv, rev, st, pin, ih, sf, status, ec, rep, payload::jsonb
    FROM unnest(
      ${at}::double precision[], ${lat}::double precision[], ${rk}::text[], ${r}::text[], ${m}::text[],
      ${av}::text[], ${sv}::text[], ${rev}::integer[], ${st}::boolean[], ${pin}::boolean[], ${ih}::text[],
      ${sf}::text[], ${status}::smallint[], ${ec}::text[], ${rep}::text[], ${payload}::text[]
    ) AS u(at, lat, rk, r, m, av, sv, rev, st, pin, ih, sf, status, ec, rep, payload)
    ON CONFLICT (request_id, created_at) DO NOTHING
  `.execute(db);
}

const NEEDS_ESCAPE = /["\\]/;

/**
 * A Postgres array literal built element by element. Built here rather than left to the driver so
 * both engines (node-postgres and PGlite) receive the same plain text parameter.
 */
class ArrayBuilder {
  #text = '';
  #first = true;

  text(text: string | null): void {
    if (text === null) {
      this.#add('NULL');
      return;
    }
    const value = storableText(text);
    const escaped = NEEDS_ESCAPE.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : value;
    this.#add(`"${escaped}"`);
  }

  number(value: number | null): void {
    this.#add(value === null ? 'NULL' : String(value));
  }

  boolean(value: boolean): void {
    this.#add(value ? 't' : 'f');
  }

  done(): string {
    return `{${this.#text}}`;
  }

  #add(element: string): void {
    this.#text += this.#first ? element : `,${element}`;
    this.#first = false;
  }
}
