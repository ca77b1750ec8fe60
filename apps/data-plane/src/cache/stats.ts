import type { BreakerState } from './breaker.ts';

/** Per-version counters, keyed by `model@version` in {@link CacheStatsSnapshot.versions}. */
export interface VersionCacheCounters {
  /** Served from the in-process tier. */
  hitsMemory: number;
  /** Served from Redis (after an in-process miss). */
  hitsRedis: number;
  /** Missed both tiers and ran the model (once per coalesced group). */
  misses: number;
  /** Waited for an identical in-flight request instead of running the model. */
  coalesced: number;
  /** Sent `Cache-Control: no-cache` to a model whose cache is on. */
  bypassed: number;
  /** Results written to the cache. */
  stores: number;
  /** Results not cached: over the size cap, non-finite numbers, or failing the output schema. */
  skippedTooLarge: number;
  skippedNonFinite: number;
  skippedInvalidOutput: number;
}

/**
 * Everything the cache counts, as plain numbers, for the metrics endpoint. Counters only grow;
 * `memory.entries`, `memory.bytes`, `redis.state` and `inFlight` are gauges. Hit rate for a version:
 * `(hitsMemory + hitsRedis) / (hitsMemory + hitsRedis + misses + coalesced)`.
 */
export interface CacheStatsSnapshot {
  versions: Record<string, VersionCacheCounters>;
  memory: { entries: number; bytes: number; maxBytes: number; evictions: number };
  redis: {
    enabled: boolean;
    state: BreakerState;
    breakerOpens: number;
    /** GETs that found an entry, or none. */
    hits: number;
    misses: number;
    /** GETs that took longer than the read timeout; errors of any other kind. */
    getTimeouts: number;
    getErrors: number;
    /** SETs that failed, and SETs not sent (breaker open, disconnected, or too many pending). */
    setErrors: number;
    setsSkipped: number;
    /** Entries that could not be read back (corrupt or of another format); treated as misses. */
    corrupt: number;
    /** Keys deleted from Redis after purges. */
    purgedKeys: number;
  };
  /** Distinct keys being computed right now. */
  inFlight: number;
  /** Cache-generation changes (purges) this replica has applied. */
  purges: number;
}

const zero = (): VersionCacheCounters => ({
  hitsMemory: 0,
  hitsRedis: 0,
  misses: 0,
  coalesced: 0,
  bypassed: 0,
  stores: 0,
  skippedTooLarge: 0,
  skippedNonFinite: 0,
  skippedInvalidOutput: 0,
});

/** The cache's counters; {@link snapshot} copies them for readers (metrics, tests). */
export class CacheStats {
  readonly #versions = new Map<string, VersionCacheCounters>();
  readonly redis = {
    hits: 0,
    misses: 0,
    getTimeouts: 0,
    getErrors: 0,
    setErrors: 0,
    setsSkipped: 0,
    corrupt: 0,
    purgedKeys: 0,
  };
  purges = 0;

  /** Adds one to a version's counter. */
  count(ref: string, counter: keyof VersionCacheCounters): void {
    let counters = this.#versions.get(ref);
    if (counters === undefined) {
      counters = zero();
      this.#versions.set(ref, counters);
    }
    counters[counter] += 1;
  }

  /** A version's counters (all zero if it was never seen). */
  version(ref: string): VersionCacheCounters {
    return { ...(this.#versions.get(ref) ?? zero()) };
  }

  snapshot(gauges: {
    memory: CacheStatsSnapshot['memory'];
    redis: { enabled: boolean; state: BreakerState; breakerOpens: number };
    inFlight: number;
  }): CacheStatsSnapshot {
    return {
      versions: Object.fromEntries([...this.#versions].map(([ref, c]) => [ref, { ...c }])),
      memory: gauges.memory,
      redis: { ...gauges.redis, ...this.redis },
      inFlight: gauges.inFlight,
      purges: this.purges,
    };
  }
}
