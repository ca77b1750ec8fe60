import type { Redis } from 'ioredis';
import type { Tensor } from '../backends/types.ts';
import type { ModelTable } from '../routing/types.ts';
import type { RoutingView } from '../routing/view.ts';
import type { CacheBreakerOptions } from './breaker.ts';
import { keyScope } from './canonical.ts';
import { Coalescer } from './coalescer.ts';
import { decodeEntry, encodeEntry, freezeOutputs } from './entry.ts';
import { ByteLru } from './lru.ts';
import { RedisTier } from './redis-tier.ts';
import { CacheStats, type CacheStatsSnapshot } from './stats.ts';

/** The slice of a pino-style logger the cache uses. */
export interface CacheLogger {
  warn(obj: object, msg: string): void;
}

/** How to build a {@link PredictionCache}; every field has a default. */
export interface PredictionCacheOptions {
  /** Budget of the in-process tier in bytes (default 64 MiB; 0 turns the tier off). */
  memoryBytes?: number;
  /** Larger results are never cached (default 256 KiB). */
  maxEntryBytes?: number;
  /** Most distinct keys coalesced at once (default 10000); beyond it, requests run on their own. */
  maxInFlight?: number;
  /** The shared tier; the cache owns the client and quits it on close. Absent: in-process only. */
  redis?: { client: Redis; keyPrefix: string; getTimeoutMs?: number; breaker?: CacheBreakerOptions };
  logger?: CacheLogger;
  /** Clock and randomness, for tests. */
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_CACHE_MEMORY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_CACHE_MAX_ENTRY_BYTES = 256 * 1024;
export const DEFAULT_CACHE_MAX_IN_FLIGHT = 10_000;
const TTL_JITTER = 0.1;

/** What an entry's objects take besides its tensors: its LRU slot, outputs array and map entry. */
const ENTRY_OVERHEAD_BYTES = 250;
/** What each output tensor's object and shape array take besides its elements. */
const TENSOR_OVERHEAD_BYTES = 150;
/**
 * What an element takes beyond its JSON text: a number in a frozen array is a pointer to a boxed
 * double (24 bytes) where its text is 10 to 20 characters.
 */
const ELEMENT_OVERHEAD_BYTES = 6;

/**
 * The heap an in-process entry takes, so CACHE_MEMORY_BYTES bounds the memory it stands for: its
 * key and serialised text, plus fixed costs per entry, per tensor and per element. Checked against
 * the heap growth of a full tier for outputs of one to eight tensors and one to 768 elements
 * (cache/memory-budget.test.ts); it stays within about 20 % of it.
 */
function heapEstimate(key: string, text: string, outputs: readonly Tensor[]): number {
  let bytes = key.length + text.length + ENTRY_OVERHEAD_BYTES;
  for (const tensor of outputs) bytes += TENSOR_OVERHEAD_BYTES + tensor.data.length * ELEMENT_OVERHEAD_BYTES;
  return bytes;
}

/**
 * The two-tier prediction cache: an in-process LRU bounded in bytes in front of Redis, with
 * coalescing of identical in-flight requests. Keys come from {@link cacheKey}; this class stores,
 * finds and forgets entries, and empties a model's (or version's) entries when a purge bumps its
 * cache generation. The request-path logic lives in `stage.ts`.
 */
export class PredictionCache {
  readonly stats = new CacheStats();
  readonly #memory: ByteLru<readonly Tensor[]> | null;
  readonly #redis: RedisTier | null;
  readonly #coalescer: Coalescer<unknown>;
  readonly #maxEntryBytes: number;
  readonly #log: CacheLogger | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  /** The last table seen per model, to notice purges (a larger cache generation). */
  readonly #tables = new Map<string, ModelTable>();
  #watch: NodeJS.Timeout | null = null;

  constructor(options: PredictionCacheOptions = {}) {
    const memoryBytes = options.memoryBytes ?? DEFAULT_CACHE_MEMORY_BYTES;
    this.#memory = memoryBytes > 0 ? new ByteLru(memoryBytes) : null;
    this.#redis = options.redis
      ? new RedisTier({
          redis: options.redis.client,
          keyPrefix: options.redis.keyPrefix,
          stats: this.stats,
          ...(options.redis.getTimeoutMs !== undefined && { getTimeoutMs: options.redis.getTimeoutMs }),
          ...(options.redis.breaker && { breaker: options.redis.breaker }),
        })
      : null;
    this.#coalescer = new Coalescer(options.maxInFlight ?? DEFAULT_CACHE_MAX_IN_FLIGHT);
    this.#maxEntryBytes = options.maxEntryBytes ?? DEFAULT_CACHE_MAX_ENTRY_BYTES;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** The in-process entry for `key`, if any and not expired. */
  memoryGet(key: string): readonly Tensor[] | undefined {
    return this.#memory?.get(key, this.#now())?.value;
  }

  /** The Redis entry for `key` (copied into the in-process tier), or null. */
  async redisGet(key: string): Promise<readonly Tensor[] | null> {
    const text = await this.#redis?.get(key);
    if (text === null || text === undefined) return null;
    const entry = decodeEntry(text);
    if (entry === null) {
      this.stats.redis.corrupt += 1;
      return null;
    }
    // The in-process copy expires with the Redis one, so a hit never outlives its TTL.
    this.#memory?.set(key, entry.outputs, heapEstimate(key, text, entry.outputs), entry.expiresAt);
    return entry.outputs;
  }

  /** Runs `compute` once per key at a time (see {@link Coalescer}). */
  coalesce<R>(key: string, compute: () => Promise<R>): { promise: Promise<R>; leader: boolean } {
    return this.#coalescer.run(key, compute) as { promise: Promise<R>; leader: boolean };
  }

  /**
   * Stores fresh outputs in both tiers for about `ttlSeconds` (±10 %, so entries written together
   * do not expire together). Returns why it did not, when it did not.
   */
  store(key: string, outputs: readonly Tensor[], ttlSeconds: number): 'stored' | 'tooLarge' | 'nonFinite' {
    const ttlMs = ttlSeconds * 1000 * (1 - TTL_JITTER + 2 * TTL_JITTER * this.#random());
    const expiresAt = this.#now() + ttlMs;
    const text = encodeEntry(outputs, expiresAt, this.#maxEntryBytes);
    if (text === 'tooLarge' || text === 'nonFinite') return text;
    this.#memory?.set(key, freezeOutputs(outputs), heapEstimate(key, text, outputs), expiresAt);
    this.#redis?.set(key, text, ttlMs);
    return 'stored';
  }

  /**
   * Notices a model's new table. When its cache generation (or one of its versions') went up, a
   * purge happened: older entries are dropped from memory at once and from Redis in the background
   * (by every replica; deleting is idempotent). Entries of a newer generation, written by replicas
   * that are ahead of this one, are left alone.
   */
  observe(table: ModelTable): void {
    const seen = this.#tables.get(table.name);
    if (seen === table) return;
    this.#tables.set(table.name, table);
    if (seen === undefined || !generationsMoved(seen, table)) return;
    this.stats.purges += 1;
    const stale = (key: string) => isStale(key, table);
    this.#memory?.deleteWhere(stale);
    this.#redis?.deleteWhere(`${table.name}:`, stale).catch((err: unknown) => {
      this.#log?.warn(
        { err, model: table.name },
        'could not delete purged cache entries from redis; they expire by TTL',
      );
    });
  }

  /** Follows the routing snapshot, so purges empty the cache even on a replica that gets no requests. */
  watch(view: RoutingView, intervalMs = 1000): void {
    if (this.#watch) return;
    this.#watch = setInterval(() => {
      const snapshot = view.snapshot();
      if (snapshot === null) return;
      for (const table of snapshot.models.values()) this.observe(table);
      for (const name of [...this.#tables.keys()]) {
        if (snapshot.models.has(name)) continue;
        this.#tables.delete(name);
        this.#memory?.deleteWhere((key) => key.startsWith(`${name}:`));
      }
    }, intervalMs);
    this.#watch.unref();
  }

  /** The counters and gauges, as plain data (see {@link CacheStatsSnapshot}). */
  snapshot(): CacheStatsSnapshot {
    return this.stats.snapshot({
      memory: {
        entries: this.#memory?.entries ?? 0,
        bytes: this.#memory?.bytes ?? 0,
        maxBytes: this.#memory?.maxBytes ?? 0,
        evictions: this.#memory?.evictions ?? 0,
      },
      redis: {
        enabled: this.#redis !== null,
        state: this.#redis?.breaker.state ?? 'closed',
        breakerOpens: this.#redis?.breaker.opens ?? 0,
      },
      inFlight: this.#coalescer.size,
    });
  }

  async close(): Promise<void> {
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = null;
    await this.#redis?.close();
  }
}

function generationsMoved(before: ModelTable, after: ModelTable): boolean {
  if (after.cacheGeneration > before.cacheGeneration) return true;
  for (const version of after.versions.values()) {
    const old = before.versions.get(version.id);
    if (old && (version.cacheGeneration ?? 1) > (old.cacheGeneration ?? 1)) return true;
  }
  return false;
}

/** True for a key of `table`'s model from an older model or version cache generation. */
function isStale(key: string, table: ModelTable): boolean {
  const scope = keyScope(key);
  if (scope === null || scope.model !== table.name) return false;
  if (scope.cacheGeneration < table.cacheGeneration) return true;
  const version = table.versions.get(scope.versionId);
  return version !== undefined && scope.versionGeneration < (version.cacheGeneration ?? 1);
}
