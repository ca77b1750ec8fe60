import { getHeapStatistics } from 'node:v8';
import type { BackendStats } from '../backends/stats.ts';
import type { Problem } from '../errors.ts';

/** Options for {@link LoadGuard}. */
export interface LoadGuardOptions {
  /** Event-loop lag above which new predictions are refused; 0 turns the check off. Default 200 ms. */
  lagLimitMs?: number;
  /** Heap use (of V8's limit) above which new predictions are refused; 0 turns it off. Default 0.9. */
  heapLimitRatio?: number;
  /** How often the loop is sampled; default 50 ms. */
  sampleMs?: number;
  /** Samples in a row that must be over the lag limit before shedding; default 2. */
  consecutive?: number;
}

/**
 * The replica-wide overload guard: a timer measures how late it fires (event-loop lag), and heap
 * use is read every few samples. While either is past its limit, new predictions get an immediate
 * 503 before their body is parsed; health routes never consult it, so probes keep answering.
 * Lag must persist for `consecutive` samples: one stall (a GC pause, a descheduled process) is not
 * overload, back-to-back stalls are. The first sample under the limit lifts the shedding.
 */
export class LoadGuard {
  #lagMs = 0;
  #over = 0;
  #heapRatio = 0;
  #timer: NodeJS.Timeout | null = null;
  readonly #lagLimit: number;
  readonly #heapLimit: number;
  readonly #sampleMs: number;
  readonly #consecutive: number;

  constructor(
    options: LoadGuardOptions = {},
    private readonly stats?: BackendStats,
  ) {
    this.#lagLimit = options.lagLimitMs ?? 200;
    this.#heapLimit = options.heapLimitRatio ?? 0.9;
    this.#sampleMs = options.sampleMs ?? 50;
    this.#consecutive = Math.max(1, options.consecutive ?? 2);
  }

  /** Starts sampling; the timer never keeps the process alive. */
  start(): void {
    if (this.#timer || (this.#lagLimit <= 0 && this.#heapLimit <= 0)) return;
    let last = performance.now();
    let ticks = 0;
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#lagMs = Math.max(0, now - last - this.#sampleMs);
      this.#over = this.#lagMs > this.#lagLimit ? this.#over + 1 : 0;
      last = now;
      if (this.#heapLimit > 0 && ticks++ % 10 === 0) {
        const heap = getHeapStatistics();
        this.#heapRatio = heap.used_heap_size / heap.heap_size_limit;
      }
    }, this.#sampleMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** The last measured lag, for metrics. */
  get lagMs(): number {
    return this.#lagMs;
  }

  /** A 503 problem when the replica is overloaded, else null. Costs two comparisons. */
  check(): Problem | null {
    if (this.#lagLimit > 0 && this.#over >= this.#consecutive) {
      this.stats?.recordShed({ reason: 'event-loop-lag' });
      return {
        code: 'UNAVAILABLE',
        message: `the replica is overloaded (event loop ${Math.round(this.#lagMs)} ms behind)`,
        retryAfterSeconds: 1,
      };
    }
    if (this.#heapLimit > 0 && this.#heapRatio > this.#heapLimit) {
      this.stats?.recordShed({ reason: 'heap' });
      return { code: 'UNAVAILABLE', message: 'the replica is overloaded (memory)', retryAfterSeconds: 1 };
    }
    return null;
  }
}
