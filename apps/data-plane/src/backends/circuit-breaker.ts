import type { BackendStats, BreakerState } from './stats.ts';

/** Options for {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker; default 5. */
  failureThreshold?: number;
  /** How long it stays open before letting one probe through; default 5000 ms. */
  openMs?: number;
  /** Each re-open after a failed probe doubles the open time, up to this; default 60000 ms. */
  maxOpenMs?: number;
  now?: () => number;
}

/**
 * A per-endpoint circuit breaker. Closed: everything passes and consecutive failures are counted.
 * Open: nothing passes until `openMs` has elapsed. Half-open: exactly one probe passes; its success
 * closes the breaker, its failure re-opens it for longer. A dead backend thus costs one probe per
 * period instead of a connect timeout per request.
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #openFor: number;
  #reopens = 0;
  #probing = false;
  readonly #threshold: number;
  readonly #baseOpenMs: number;
  readonly #maxOpenMs: number;
  readonly #now: () => number;

  constructor(
    readonly endpoint: string,
    private readonly stats: BackendStats | undefined,
    options: BreakerOptions = {},
  ) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#baseOpenMs = options.openMs ?? 5000;
    this.#maxOpenMs = Math.max(options.maxOpenMs ?? 60_000, this.#baseOpenMs);
    this.#openFor = this.#baseOpenMs;
    this.#now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#openFor) this.#move('half-open');
    return this.#state;
  }

  /** Seconds until a probe may go through; for Retry-After. */
  retryAfterSeconds(): number {
    if (this.#state !== 'open') return 1;
    return Math.max(1, Math.ceil((this.#openedAt + this.#openFor - this.#now()) / 1000));
  }

  /**
   * Asks to send one attempt. True means go, and the caller must report the attempt with
   * {@link success}, {@link failure} or {@link release}.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#reopens = 0;
    this.#openFor = this.#baseOpenMs;
    if (this.#state !== 'closed') this.#move('closed');
  }

  failure(): void {
    this.#failures += 1;
    if (this.#state === 'half-open') {
      this.#probing = false;
      this.#reopens += 1;
      this.#openFor = Math.min(this.#baseOpenMs * 2 ** this.#reopens, this.#maxOpenMs);
      this.#open();
      return;
    }
    if (this.#state === 'closed' && this.#failures >= this.#threshold) this.#open();
  }

  /** The attempt ended without telling anything about the backend (e.g. it was never sent). */
  release(): void {
    this.#probing = false;
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#move('open');
  }

  #move(to: BreakerState): void {
    const from = this.#state;
    this.#state = to;
    if (from !== to) this.stats?.recordBreaker({ endpoint: this.endpoint, from, to });
  }
}
