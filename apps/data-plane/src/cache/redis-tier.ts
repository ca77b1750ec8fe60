import type { Redis } from 'ioredis';
import { CacheBreaker, type CacheBreakerOptions } from './breaker.ts';
import type { CacheStats } from './stats.ts';

/** Options for {@link RedisTier}. */
export interface RedisTierOptions {
  redis: Redis;
  /** Prepended to every key, e.g. `modelplane:cache:`. */
  keyPrefix: string;
  /** A GET slower than this counts as a miss and a failure (default 25 ms). */
  getTimeoutMs?: number;
  breaker?: CacheBreakerOptions;
  stats: CacheStats;
}

// SETs are fire-and-forget; past this many unanswered ones, Redis is not keeping up and more would only queue.
const MAX_PENDING_SETS = 1000;
const SCAN_COUNT = 500;

const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The shared cache tier. It is an optimisation only: a read that is slow or failing costs at most
 * the GET timeout, then the breaker takes Redis off the request path entirely until a probe
 * succeeds; writes never wait. The ioredis client reconnects by itself, and the tier with it.
 */
export class RedisTier {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #stats: CacheStats;
  readonly breaker: CacheBreaker;
  #pendingSets = 0;

  constructor(options: RedisTierOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix;
    this.#timeoutMs = options.getTimeoutMs ?? 25;
    this.#stats = options.stats;
    this.breaker = new CacheBreaker(options.breaker);
  }

  /** The entry's text, or null on a miss, a timeout, an error, or while Redis is off the path. */
  async get(key: string): Promise<string | null> {
    // Disconnected: ioredis is already reconnecting; asking now would only fail.
    if (this.#redis.status !== 'ready' || !this.breaker.allow()) return null;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#timeoutMs);
    });
    const reply = this.#redis.get(this.#prefix + key).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([reply, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#stats.redis.getTimeouts += 1;
      this.breaker.failure();
      return null;
    }
    if ('error' in outcome) {
      this.#stats.redis.getErrors += 1;
      this.breaker.failure();
      return null;
    }
    this.breaker.success();
    if (outcome.value === null) this.#stats.redis.misses += 1;
    else this.#stats.redis.hits += 1;
    return outcome.value;
  }

  /** Writes an entry in the background; the caller never waits for Redis. */
  set(key: string, value: string, ttlMs: number): void {
    if (
      this.#redis.status !== 'ready' ||
      this.breaker.state !== 'closed' ||
      this.#pendingSets >= MAX_PENDING_SETS
    ) {
      this.#stats.redis.setsSkipped += 1;
      return;
    }
    this.#pendingSets += 1;
    this.#redis
      .set(this.#prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)))
      .then(
        () => undefined,
        () => {
          this.#stats.redis.setErrors += 1;
          this.breaker.failure();
        },
      )
      .finally(() => {
        this.#pendingSets -= 1;
      });
  }

  /**
   * Deletes the keys starting with `keyStart` (after the prefix) for which `stale` is true, walking
   * with SCAN so a large keyspace never blocks Redis. Returns how many were deleted.
   */
  async deleteWhere(keyStart: string, stale: (key: string) => boolean): Promise<number> {
    const pattern = `${escapeGlob(this.#prefix + keyStart)}*`;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      const doomed = keys.filter((k) => stale(k.slice(this.#prefix.length)));
      if (doomed.length > 0) deleted += await this.#redis.unlink(...doomed);
    } while (cursor !== '0');
    this.#stats.redis.purgedKeys += deleted;
    return deleted;
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
