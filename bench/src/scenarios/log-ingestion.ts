import pg from 'pg';
import type { HttpTarget } from '../harness/measure.ts';
import type { ScenarioContext } from './types.ts';

/** The prediction log's flush interval (PREDICTION_LOG_FLUSH_MS default) plus room for the write. */
const FLUSH_SETTLE_MS = 1500;
const UNDEFINED_TABLE = '42P01';

/**
 * Scenario 7's counter: rows in the data plane's prediction log, read after a flush interval so
 * the rows of the measured requests (and only those) land between the two readings. Without the
 * table (the prediction log not landed) it reports nothing.
 */
export function logCounters(ctx: ScenarioContext): HttpTarget['counters'] {
  return {
    settleMs: FLUSH_SETTLE_MS,
    read: async (): Promise<Record<string, number>> => {
      const client = new pg.Client({
        connectionString: ctx.env.database.url,
        application_name: 'modelplane-bench',
      });
      await client.connect();
      try {
        const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM prediction_log');
        return { logRows: Number(result.rows[0]?.n ?? 0) };
      } catch (error) {
        if ((error as { code?: string }).code === UNDEFINED_TABLE) return {};
        throw error;
      } finally {
        await client.end();
      }
    },
  };
}
