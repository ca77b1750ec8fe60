import { sql } from 'kysely';
import type { DashboardSessionRow } from '../types.ts';
import type { Executor } from './executor.ts';

/** Stores a new dashboard session and, in passing, forgets the expired ones. */
export async function insertDashboardSession(
  db: Executor,
  session: { id: string; tokenHash: string; csrfToken: string; ttlSeconds: number },
): Promise<DashboardSessionRow> {
  await db.deleteFrom('dashboard_sessions').where('expires_at', '<=', sql<Date>`now()`).execute();
  return db
    .insertInto('dashboard_sessions')
    .values({
      id: session.id,
      token_hash: session.tokenHash,
      csrf_token: session.csrfToken,
      expires_at: sql<Date>`now() + make_interval(secs => ${session.ttlSeconds})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The session with this id, unless it has expired (the database's clock decides). */
export async function findLiveDashboardSession(
  db: Executor,
  id: string,
): Promise<DashboardSessionRow | undefined> {
  return db
    .selectFrom('dashboard_sessions')
    .selectAll()
    .where('id', '=', id)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

export async function deleteDashboardSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('dashboard_sessions').where('id', '=', id).execute();
}
