/** Options for {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of requests in the window; default 0.2. */
  ratio?: number;
  /** Retries always allowed per window, so a quiet endpoint can still retry; default 3. */
  minRetries?: number;
  /** The sliding window; default 10000 ms. */
  windowMs?: number;
  now?: () => number;
}

const SLOTS = 10;

/**
 * Caps retries at `max(minRetries, ratio × requests)` over a sliding window (Finagle-style, by
 * rate rather than by concurrency), so a backend that fails every call receives at most
 * `1 + ratio` times the client traffic instead of double. Counts live in ten time slots, so the
 * memory is fixed whatever the traffic.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #min: number;
  readonly #slotMs: number;
  readonly #now: () => number;
  readonly #requests = new Array<number>(SLOTS).fill(0);
  readonly #retries = new Array<number>(SLOTS).fill(0);
  #slot = 0;
  #slotStart: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.#ratio = options.ratio ?? 0.2;
    this.#min = options.minRetries ?? 3;
    this.#slotMs = (options.windowMs ?? 10_000) / SLOTS;
    this.#now = options.now ?? Date.now;
    this.#slotStart = this.#now();
  }

  /** Counts one original (non-retry) request. */
  recordRequest(): void {
    this.#advance();
    this.#requests[this.#slot] = (this.#requests[this.#slot] ?? 0) + 1;
  }

  /** Takes one retry from the budget if there is room; false means do not retry. */
  tryRetry(): boolean {
    this.#advance();
    const requests = sum(this.#requests);
    const retries = sum(this.#retries);
    if (retries + 1 > Math.max(this.#min, Math.floor(this.#ratio * requests))) return false;
    this.#retries[this.#slot] = (this.#retries[this.#slot] ?? 0) + 1;
    return true;
  }

  #advance(): void {
    const now = this.#now();
    let steps = Math.floor((now - this.#slotStart) / this.#slotMs);
    if (steps <= 0) return;
    this.#slotStart += steps * this.#slotMs;
    steps = Math.min(steps, SLOTS);
    for (let i = 0; i < steps; i++) {
      this.#slot = (this.#slot + 1) % SLOTS;
      this.#requests[this.#slot] = 0;
      this.#retries[this.#slot] = 0;
    }
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
