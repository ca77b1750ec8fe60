import {
  claimLeaderRun,
  createLogPartition,
  deleteExpiredDefaultLogRows,
  deleteExpiredMonitoringRows,
  dropLogPartition,
  type Executor,
  expiredLogPartitions,
  missingLogPartitionDays,
  releaseLeaderRun,
} from '@modelplane/db';
import { sql } from 'kysely';
import type { Deps } from '../../deps.ts';

const JOB = 'monitoring-upkeep';
const LOCK_NOT_AVAILABLE = '55P03';
const DAYS_AHEAD = 3;

/** What one upkeep run did. */
export type UpkeepResult =
  | { status: 'skipped' }
  | { status: 'done'; created: string[]; dropped: string[] }
  | { status: 'lock-timeout'; created: string[]; dropped: string[] };

/**
 * One run of monitoring upkeep, if this process wins the period: row retention in the claiming
 * transaction, then each partition created or dropped in its own short transaction with a lock
 * timeout. CREATE/DROP on a partition of prediction_log need an exclusive lock on it, and every
 * writer queues behind a DDL that waits for one; so a long reader must cost at most the timeout,
 * never wedge the job or the log. On a timeout the claim is released and the next run retries.
 */
export async function runMonitoringUpkeep(deps: Deps, runnerId: string): Promise<UpkeepResult> {
  const { config, db, logger } = deps;
  const now = await db.transaction().execute(async (tx) => {
    if (!(await claimLeaderRun(tx, JOB, config.MONITORING_UPKEEP_INTERVAL_MS * 0.9, runnerId))) return null;
    const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(tx);
    const at = new Date(rows[0]?.now ?? Date.now());
    await deleteExpiredDefaultLogRows(tx, at, config.PREDICTION_LOG_RETENTION_DAYS);
    await deleteExpiredMonitoringRows(tx, {
      rollupDays: config.ROLLUP_RETENTION_DAYS,
      feedbackDays: config.FEEDBACK_RETENTION_DAYS,
      alertEventDays: 90,
    });
    return at;
  });
  if (!now) return { status: 'skipped' };

  const created: string[] = [];
  const dropped: string[] = [];
  const ddl = (fn: (tx: Executor) => Promise<void>) =>
    db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('lock_timeout', ${`${config.PARTITION_LOCK_TIMEOUT_MS}ms`}, true)`.execute(
        tx,
      );
      await fn(tx);
    });
  try {
    for (const day of await missingLogPartitionDays(db, now, DAYS_AHEAD)) {
      await ddl(async (tx) => {
        created.push(await createLogPartition(tx, day));
      });
    }
    for (const name of await expiredLogPartitions(db, now, config.PREDICTION_LOG_RETENTION_DAYS)) {
      await ddl(async (tx) => {
        await dropLogPartition(tx, name);
        dropped.push(name);
      });
    }
  } catch (err) {
    if ((err as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw err;
    await releaseLeaderRun(db, JOB, runnerId);
    logger.warn(
      { created, dropped, lockTimeoutMs: config.PARTITION_LOCK_TIMEOUT_MS },
      'partition upkeep gave up waiting for a lock on prediction_log; the next run retries',
    );
    return { status: 'lock-timeout', created, dropped };
  }
  if (created.length > 0 || dropped.length > 0)
    logger.info({ created, dropped }, 'prediction log partitions');
  return { status: 'done', created, dropped };
}
