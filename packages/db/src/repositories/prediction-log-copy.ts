import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PREDICTION_LOG_COLUMNS } from './prediction-log-text.ts';

/** Rows in COPY's text format, in one piece or several (each a run of whole lines). */
export type PredictionLogChunks = readonly (string | Uint8Array)[];

/**
 * Writes a batch with COPY: Postgres spends less than half the CPU per row that the unnested
 * INSERT … ON CONFLICT costs (no array parsing, no speculative insertion), and this runs for
 * every prediction a fleet serves. COPY is atomic, but it cannot skip rows already present, so a
 * batch whose earlier try committed unseen fails here with a unique violation (the caller then
 * writes it with {@link mergePredictionLog}). The pool's query_timeout bounds it as it bounds any query.
 */
export async function copyPredictionLog(pool: pg.Pool, chunks: PredictionLogChunks): Promise<void> {
  const client = await pool.connect();
  try {
    await copyInto(client, 'prediction_log', chunks);
  } catch (error) {
    releaseAfter(client, error);
    throw error;
  }
  client.release();
}

/**
 * Writes a batch some of whose rows may be stored already (an earlier try committed but its answer
 * was lost): COPY into a temporary table, then one INSERT that skips the rows already there.
 */
export async function mergePredictionLog(pool: pg.Pool, chunks: PredictionLogChunks): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Per session, emptied by each commit: created once per pooled connection, then reused.
    await client.query(
      'CREATE TEMP TABLE IF NOT EXISTS prediction_log_retry (LIKE prediction_log) ON COMMIT DELETE ROWS',
    );
    await copyInto(client, 'prediction_log_retry', chunks);
    await client.query(`
      INSERT INTO prediction_log (${PREDICTION_LOG_COLUMNS})
      SELECT ${PREDICTION_LOG_COLUMNS} FROM prediction_log_retry
      ON CONFLICT (request_id, created_at) DO NOTHING`);
    await client.query('COMMIT');
  } catch (error) {
    // A server-reported error leaves the connection in the failed transaction: end it before reuse.
    if (typeof (error as { code?: unknown }).code === 'string') {
      await client.query('ROLLBACK').catch(() => undefined);
    }
    releaseAfter(client, error);
    throw error;
  }
  client.release();
}

function copyInto(client: pg.PoolClient, table: string, chunks: PredictionLogChunks): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${table} (${PREDICTION_LOG_COLUMNS}) FROM STDIN`));
    // `on`, not `once`: a second error after the first (the socket closing) must not go unhandled.
    stream.on('error', reject);
    stream.once('finish', resolve);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

/**
 * A server-reported error (it has a SQLSTATE) leaves the connection usable; a COPY cut short by a
 * timeout or a broken socket leaves it mid-protocol, so it is destroyed rather than reused.
 */
function releaseAfter(client: pg.PoolClient, error: unknown): void {
  const fromServer = typeof (error as { code?: unknown }).code === 'string';
  client.release(fromServer ? undefined : (error as Error));
}
