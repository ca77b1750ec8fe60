/** The state of a {@link CacheBreaker}. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options for {@link CacheBreaker}. */
export interface CacheBreakerOptions {
  /** Consecutive failures (errors or timeouts) that open it; default 5. */
  failureThreshold?: number;
  /** How long it stays open before one probe may pass; default 1000 ms, doubled per failed probe. */
  openMs?: number;
  /** The longest it stays open; default 10000 ms, so a recovered Redis is back within seconds. */
  maxOpenMs?: number;
  now?: () => number;
}

/**
 * Keeps a sick Redis off the request path: after a run of failures the cache stops asking it
 * (no added latency at all) and lets one probe through per period until one succeeds.
 */
export class CacheBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #openFor: number;
  #probing = false;
  #opens = 0;
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #now: () => number;

  constructor(options: CacheBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#baseMs = options.openMs ?? 1000;
    this.#maxMs = Math.max(options.maxOpenMs ?? 10_000, this.#baseMs);
    this.#openFor = this.#baseMs;
    this.#now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#openFor) this.#state = 'half-open';
    return this.#state;
  }

  /** How many times it has opened. */
  get opens(): number {
    return this.#opens;
  }

  /** May a call go out now? In half-open, only one (the probe) until it reports back. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#openFor = this.#baseMs;
    this.#state = 'closed';
  }

  failure(): void {
    this.#failures += 1;
    if (this.#state === 'half-open') {
      this.#probing = false;
      this.#openFor = Math.min(this.#openFor * 2, this.#maxMs);
      this.#open();
    } else if (this.#state === 'closed' && this.#failures >= this.#threshold) {
      this.#open();
    }
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#opens += 1;
  }
}
