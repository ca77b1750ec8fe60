import { type DB, type HeartbeatInput, upsertHeartbeat } from '@modelplane/db';
import type { Kysely } from 'kysely';
import { errorMessage, type RoutingLogger } from './logger.ts';
import { type Loop, startLoop } from './timers.ts';

/** How often a replica upserts its heartbeat row unless HEARTBEAT_INTERVAL_MS says otherwise. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2000;

/** Options for {@link startHeartbeats}. */
export interface HeartbeatOptions {
  db: Kysely<DB>;
  intervalMs: number;
  logger: RoutingLogger;
  /** Builds the heartbeat at send time, so it reports the snapshot serving right now. */
  build(): HeartbeatInput;
}

/** A running heartbeat: `stop()` waits for a beat in flight. */
export interface Heartbeats {
  /** Sends one heartbeat now; never throws. */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Upserts this replica's heartbeat row every `intervalMs` (±10 %), off the request path. A failed
 * beat is logged once per outage and never thrown: Postgres being down must not hurt serving.
 */
export function startHeartbeats(options: HeartbeatOptions): Heartbeats {
  const { db, intervalMs, logger, build } = options;
  let failing = false;
  let inFlight: Promise<void> | null = null;

  const send = async () => {
    try {
      await upsertHeartbeat(db, build());
      if (failing) logger.info({}, 'heartbeats resumed');
      failing = false;
    } catch (err) {
      if (!failing) logger.warn({ err: errorMessage(err) }, 'heartbeat failed; will retry');
      failing = true;
    }
  };
  const beat = () => {
    inFlight ??= send().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
  const loop: Loop = startLoop(beat, intervalMs, 0.1);
  return {
    beat,
    async stop() {
      loop.stop();
      await inFlight;
    },
  };
}
