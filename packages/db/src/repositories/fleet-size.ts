import { sql } from 'kysely';
import type { Executor } from './executor.ts';

/**
 * How many replicas sent a heartbeat within the last `windowMs` (on the database's clock). Replicas
 * divide fleet-wide token quotas by it, so it counts every live replica, this one included.
 */
export async function countLiveReplicas(db: Executor, windowMs: number): Promise<number> {
  const cutoff = sql<Date>`now() - make_interval(secs => ${windowMs / 1000}::double precision)`;
  const row = await db
    .selectFrom('replica_heartbeats')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('last_seen_at', '>', cutoff)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
