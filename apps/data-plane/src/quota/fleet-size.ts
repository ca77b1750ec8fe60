import { countLiveReplicas, type DB } from '@modelplane/db';
import type { Kysely } from 'kysely';
import { type Loop, startLoop } from '../routing/timers.ts';

/** Options for {@link watchFleetSize}. */
export interface FleetSizeOptions {
  db: Kysely<DB>;
  /** How often to count; the heartbeat interval, so a change is seen within about one beat. */
  intervalMs: number;
  /** Replicas seen within this window count as live. */
  liveWindowMs: number;
  onCount(count: number): void;
}

/**
 * Counts the live replicas (from heartbeats) off the request path, on start and every interval, and
 * reports the count. A failed count keeps the last one: quotas must not loosen because Postgres is away.
 */
export function watchFleetSize(options: FleetSizeOptions): Loop {
  const count = async () => {
    try {
      options.onCount(await countLiveReplicas(options.db, options.liveWindowMs));
    } catch {
      // Keep the last count; heartbeats log the outage.
    }
  };
  void count();
  return startLoop(count, options.intervalMs, 0.1);
}
