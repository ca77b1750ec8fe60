import { sql } from 'kysely';
import type { AppliedModelState, ReplicaHeartbeatRow } from '../types.ts';
import { type Executor, json } from './executor.ts';

/** What a replica reports for one model: what it serves, and the newest revision it refused, if any. */
export interface ReplicaModelReport extends AppliedModelState {
  rejected?: { revision: number; generation: number; reason: string };
  /**
   * A newer table the replica is warming before it applies it: `loading` lists the `<model>@<version>`
   * still loading. Absent when nothing is being applied (and from replicas that predate the field).
   */
  applying?: { revision: number | null; generation: number; loading: string[] };
}

/** One replica's heartbeat. `last_seen_at` is set from the database clock, never the replica's. */
export interface HeartbeatInput {
  replicaId: string;
  hostname: string;
  startedAt: Date;
  applied: Record<string, ReplicaModelReport>;
  /** `<model>@<version>` → why this replica cannot serve it. */
  versionErrors: Record<string, string>;
  /** `<model>@<version>` → why its warm-up with zeros failed; the version serves anyway. */
  versionWarnings?: Record<string, string>;
  lastError: string | null;
}

/** A heartbeat row as read back, with the reports typed. */
export type ReplicaHeartbeat = Omit<ReplicaHeartbeatRow, 'applied'> & {
  applied: Record<string, ReplicaModelReport>;
};

/** Inserts or refreshes the replica's row. */
export async function upsertHeartbeat(db: Executor, hb: HeartbeatInput): Promise<void> {
  const values = {
    hostname: hb.hostname,
    started_at: hb.startedAt,
    last_seen_at: sql<Date>`now()`,
    applied: json(hb.applied),
    version_errors: json(hb.versionErrors),
    version_warnings: json(hb.versionWarnings ?? {}),
    last_error: hb.lastError,
  };
  await db
    .insertInto('replica_heartbeats')
    .values({ replica_id: hb.replicaId, ...values })
    .onConflict((oc) => oc.column('replica_id').doUpdateSet(values))
    .execute();
}

/**
 * Replicas seen within the last `windowMs`, with the database's `now` so callers compare times on
 * one clock (the database's) rather than the caller's.
 */
export async function listLiveHeartbeats(
  db: Executor,
  windowMs: number,
): Promise<{ now: Date; replicas: ReplicaHeartbeat[] }> {
  const cutoff = sql<Date>`now() - make_interval(secs => ${windowMs / 1000}::double precision)`;
  const rows = await db
    .selectFrom('replica_heartbeats')
    .selectAll()
    .select(sql<Date>`now()`.as('now'))
    .where('last_seen_at', '>', cutoff)
    .orderBy('replica_id')
    .execute();
  const now = rows[0]?.now ?? (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0]?.now;
  return {
    now: new Date(now ?? Date.now()),
    replicas: rows.map(({ now: _now, ...row }) => ({
      ...row,
      applied: row.applied as Record<string, ReplicaModelReport>,
    })),
  };
}
