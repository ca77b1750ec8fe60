import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheStatsSnapshot, VersionCacheCounters } from '../cache/stats.ts';

const EVENTS: Record<keyof VersionCacheCounters, string> = {
  hitsMemory: 'hit_memory',
  hitsRedis: 'hit_redis',
  misses: 'miss',
  coalesced: 'coalesced',
  bypassed: 'bypassed',
  stores: 'store',
  skippedTooLarge: 'skipped_too_large',
  skippedNonFinite: 'skipped_non_finite',
  skippedInvalidOutput: 'skipped_invalid_output',
};

/** The prediction cache's own counters and gauges, read at scrape time. */
export function registerCacheMetrics(registry: Registry, read: () => CacheStatsSnapshot): void {
  const registers = [registry];
  // One snapshot per scrape, shared by the collectors below (prom-client calls them in turn).
  let last: { at: number; snapshot: CacheStatsSnapshot } | null = null;
  const snapshot = () => {
    const now = Date.now();
    if (!last || now - last.at > 100) last = { at: now, snapshot: read() };
    return last.snapshot;
  };
  new Counter({
    name: 'modelplane_cache_events_total',
    help: 'Prediction-cache outcomes by version (name@version) and event: hits per tier, misses, coalesced waits, stores, skips',
    labelNames: ['version', 'event'],
    registers,
    collect() {
      this.reset();
      for (const [version, counters] of Object.entries(snapshot().versions)) {
        for (const [key, event] of Object.entries(EVENTS)) {
          const value = counters[key as keyof VersionCacheCounters];
          if (value > 0) this.inc({ version, event }, value);
        }
      }
    },
  });
  const gauge = (name: string, help: string, value: (s: CacheStatsSnapshot) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value(snapshot()));
      },
    });
  gauge('modelplane_cache_memory_entries', 'Entries in the in-process cache tier', (s) => s.memory.entries);
  gauge('modelplane_cache_memory_bytes', 'Bytes held by the in-process cache tier', (s) => s.memory.bytes);
  gauge(
    'modelplane_cache_memory_evictions',
    'In-process entries evicted since start',
    (s) => s.memory.evictions,
  );
  gauge(
    'modelplane_cache_redis_breaker_open',
    '1 while the Redis tier breaker is open, 0.5 half-open',
    (s) => (s.redis.state === 'open' ? 1 : s.redis.state === 'half-open' ? 0.5 : 0),
  );
  gauge('modelplane_cache_in_flight', 'Distinct cache keys being computed right now', (s) => s.inFlight);
}
