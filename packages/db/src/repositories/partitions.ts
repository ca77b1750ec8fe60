import { sql } from 'kysely';
import type { Executor } from './executor.ts';

const SCHEMA = 'prediction_log_partitions';
const DEFAULT_PARTITION = `${SCHEMA}.prediction_log_default`;
const DAY_MS = 86_400_000;

/** `p_20250131` for the UTC day starting at `dayStart`. */
function partitionName(dayStart: Date): string {
  return `p_${dayStart.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** The UTC day a partition name covers, or null for a table that is not a daily partition. */
function partitionDay(name: string): Date | null {
  const match = /^p_(\d{4})(\d{2})(\d{2})$/.exec(name);
  return match ? new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00Z`) : null;
}

/** Names of the daily partitions that exist now. */
export async function listLogPartitions(db: Executor): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.inhparent = 'public.prediction_log'::regclass AND n.nspname = ${SCHEMA}
    ORDER BY c.relname
  `.execute(db);
  return rows.map((row) => row.name).filter((name) => partitionDay(name) !== null);
}

/** The UTC days from today (by `now`) through `daysAhead` days ahead that have no partition yet. */
export async function missingLogPartitionDays(db: Executor, now: Date, daysAhead: number): Promise<Date[]> {
  const existing = new Set(await listLogPartitions(db));
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const days: Date[] = [];
  for (let d = 0; d <= daysAhead; d++) {
    const from = new Date(today + d * DAY_MS);
    if (!existing.has(partitionName(from))) days.push(from);
  }
  return days;
}

/**
 * Creates the partition for the UTC day starting at `from`. Rows that already landed in the default
 * partition for that day are moved into it, since Postgres refuses a new partition whose range the
 * default partition already holds rows of. Returns the name created.
 */
export async function createLogPartition(tx: Executor, from: Date): Promise<string> {
  const to = new Date(from.getTime() + DAY_MS);
  const name = partitionName(from);
  const table = sql.raw(`${SCHEMA}.${name}`);
  const range = sql`created_at >= ${from.toISOString()}::timestamptz AND created_at < ${to.toISOString()}::timestamptz`;
  await sql`CREATE TEMP TABLE moving_rows ON COMMIT DROP AS SELECT * FROM prediction_log WITH NO DATA`.execute(
    tx,
  );
  await sql`WITH moved AS (DELETE FROM ${sql.raw(DEFAULT_PARTITION)} WHERE ${range} RETURNING *)
    INSERT INTO moving_rows SELECT * FROM moved`.execute(tx);
  await sql`CREATE TABLE ${table} PARTITION OF prediction_log
    FOR VALUES FROM (${sql.lit(from.toISOString())}) TO (${sql.lit(to.toISOString())})`.execute(tx);
  await sql`INSERT INTO prediction_log SELECT * FROM moving_rows`.execute(tx);
  await sql`DROP TABLE moving_rows`.execute(tx);
  return name;
}

/** Creates every missing daily partition from today through `daysAhead` days ahead, in `tx`. */
export async function ensureLogPartitions(tx: Executor, now: Date, daysAhead: number): Promise<string[]> {
  const created: string[] = [];
  for (const from of await missingLogPartitionDays(tx, now, daysAhead)) {
    created.push(await createLogPartition(tx, from));
  }
  return created;
}

/** Daily partitions that ended more than `retentionDays` before `now`. */
export async function expiredLogPartitions(
  db: Executor,
  now: Date,
  retentionDays: number,
): Promise<string[]> {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  return (await listLogPartitions(db)).filter((name) => {
    const day = partitionDay(name);
    return day !== null && day.getTime() + DAY_MS <= cutoff;
  });
}

/** Drops one daily partition by the name {@link expiredLogPartitions} returned. */
export async function dropLogPartition(tx: Executor, name: string): Promise<void> {
  if (partitionDay(name) === null) throw new Error(`not a daily log partition: ${name}`);
  await sql`DROP TABLE ${sql.raw(`${SCHEMA}.${name}`)}`.execute(tx);
}

/** Deletes the default partition's rows older than `retentionDays` (no DDL: safe in any transaction). */
export async function deleteExpiredDefaultLogRows(
  tx: Executor,
  now: Date,
  retentionDays: number,
): Promise<void> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  await sql`DELETE FROM ${sql.raw(DEFAULT_PARTITION)} WHERE created_at < ${cutoff.toISOString()}::timestamptz`.execute(
    tx,
  );
}

/**
 * Drops daily partitions that ended more than `retentionDays` ago and deletes the default partition's
 * rows that old. Dropping a partition is instant, unlike deleting its rows. Returns the names dropped.
 */
export async function dropExpiredLogPartitions(
  tx: Executor,
  now: Date,
  retentionDays: number,
): Promise<string[]> {
  const dropped = await expiredLogPartitions(tx, now, retentionDays);
  for (const name of dropped) await dropLogPartition(tx, name);
  await deleteExpiredDefaultLogRows(tx, now, retentionDays);
  return dropped;
}

/** Deletes rollups, feedback and delivered alert events older than their retention. */
export async function deleteExpiredMonitoringRows(
  tx: Executor,
  retention: { rollupDays: number; feedbackDays: number; alertEventDays: number },
): Promise<void> {
  const ago = (days: number) => sql<Date>`now() - make_interval(days => ${days})`;
  await tx.deleteFrom('prediction_rollups').where('minute', '<', ago(retention.rollupDays)).execute();
  await tx.deleteFrom('prediction_feedback').where('received_at', '<', ago(retention.feedbackDays)).execute();
  await tx
    .deleteFrom('alert_events')
    .where('created_at', '<', ago(retention.alertEventDays))
    .where('delivery', '<>', 'pending')
    .execute();
}
