import { Counter, Gauge, type Registry } from 'prom-client';
import type { TokenQuota } from '../routing/types.ts';

interface Bucket {
  quota: TokenQuota;
  /** Requests this replica may still admit now; refills at its share of the rate. */
  level: number;
  updatedAt: number;
}

/**
 * Per-token request quotas, enforced locally: each replica admits its share of a token's fleet-wide
 * rate and burst (both divided by the live replicas), so no request waits on a network call and the
 * whole fleet stays within the rate plus one burst.
 */
export class TokenQuotas {
  readonly #buckets = new Map<string, Bucket>();
  /** Throttled requests per token name; names come from the token table, so the series are bounded. */
  readonly throttled = new Map<string, number>();
  #replicas = 1;

  /** How many replicas share each quota (from heartbeats); at least 1. */
  get replicas(): number {
    return this.#replicas;
  }

  setReplicas(count: number): void {
    const replicas = Math.max(1, Math.floor(count));
    if (replicas === this.#replicas) return;
    this.#replicas = replicas;
    // A smaller share applies at once: no bucket keeps more than its new burst.
    for (const bucket of this.#buckets.values())
      bucket.level = Math.min(bucket.level, this.#burst(bucket.quota));
  }

  /**
   * Takes one request from the token's bucket. Returns 0 when it is admitted, otherwise the whole
   * seconds until the bucket holds a request again (for Retry-After).
   */
  take(tokenHash: string, quota: TokenQuota, now = performance.now()): number {
    let bucket = this.#buckets.get(tokenHash);
    if (bucket === undefined || !sameQuota(bucket.quota, quota)) {
      bucket = { quota, level: this.#burst(quota), updatedAt: now };
      this.#buckets.set(tokenHash, bucket);
    }
    const rate = quota.ratePerSecond / this.#replicas;
    const burst = this.#burst(quota);
    bucket.level = Math.min(burst, bucket.level + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    if (bucket.level >= 1) {
      bucket.level -= 1;
      return 0;
    }
    this.throttled.set(quota.name, (this.throttled.get(quota.name) ?? 0) + 1);
    return Math.max(1, Math.ceil((1 - bucket.level) / rate));
  }

  /** Forgets buckets of tokens that no longer carry a quota (revoked, or quota removed). */
  retain(quotas: ReadonlyMap<string, TokenQuota>): void {
    for (const hash of this.#buckets.keys()) if (!quotas.has(hash)) this.#buckets.delete(hash);
  }

  /** `modelplane_token_throttled_total{token}` and the replica count the shares are based on. */
  register(registry: Registry): void {
    const throttled = this.throttled;
    new Counter({
      name: 'modelplane_token_throttled_total',
      help: 'Requests refused with 429 because their token was over its quota, by token name',
      labelNames: ['token'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [token, count] of throttled) this.inc({ token }, count);
      },
    });
    const quotas = this;
    new Gauge({
      name: 'modelplane_token_quota_replicas',
      help: 'Live replicas each token quota is divided by',
      registers: [registry],
      collect() {
        this.set(quotas.replicas);
      },
    });
  }

  #burst(quota: TokenQuota): number {
    // Never below one request, or a token with a small burst could be refused forever on a big fleet.
    return Math.max(1, quota.burst / this.#replicas);
  }
}

function sameQuota(a: TokenQuota, b: TokenQuota): boolean {
  return a.ratePerSecond === b.ratePerSecond && a.burst === b.burst && a.name === b.name;
}
