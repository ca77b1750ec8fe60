import { sql } from 'kysely';
import type { Executor } from './executor.ts';

/** The advisory-lock class shared by every fleet-wide job; the job name picks the object id. */
const LEADER_LOCK_CLASS = 731_682;

/**
 * Inside the caller's transaction: true when this process should run job `name` now. It must win the
 * job's transaction-scoped advisory lock (so two control planes never run it at once) and the job
 * must not have run within `minIntervalMs` (so they do not run it twice in one period, one after
 * the other). Winning records the run; the lock and the record both end with the transaction.
 */
export async function claimLeaderRun(
  tx: Executor,
  name: string,
  minIntervalMs: number,
  runBy: string,
): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`
    SELECT pg_try_advisory_xact_lock(${LEADER_LOCK_CLASS}::int4, hashtext(${name})) AS locked
  `.execute(tx);
  if (!rows[0]?.locked) return false;
  const claimed = await sql<{ name: string }>`
    INSERT INTO leader_jobs (name, last_run_at, run_by) VALUES (${name}, now(), ${runBy})
    ON CONFLICT (name) DO UPDATE SET last_run_at = now(), run_by = excluded.run_by
    WHERE leader_jobs.last_run_at <= now() - make_interval(secs => ${minIntervalMs / 1000}::double precision)
    RETURNING name
  `.execute(tx);
  return claimed.rows.length > 0;
}

/**
 * Forgets `runBy`'s claim on job `name`, so the next tick anywhere in the fleet runs it again instead
 * of waiting a whole period: for a run that gave up part-way (e.g. on a lock timeout).
 */
export async function releaseLeaderRun(db: Executor, name: string, runBy: string): Promise<void> {
  await sql`UPDATE leader_jobs SET last_run_at = '-infinity' WHERE name = ${name} AND run_by = ${runBy}`.execute(
    db,
  );
}
