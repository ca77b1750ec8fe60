import type { ServingOptions } from '@modelplane/schemas';
import type { AdmissionGauge, BackendStats } from '../backends/stats.ts';
import type { AbortLike } from '../deadline-clock.ts';
import type { Problem } from '../errors.ts';
import type { VersionConfig } from '../routing/types.ts';

/** Per-version bounds; a version's serving options override these replica defaults. */
export interface AdmissionLimits {
  maxInFlight: number;
  maxQueue: number;
  queueTimeoutMs: number;
}

/** Admitted (call `release` exactly once when the execution ends), or turned away and why. */
export type Admitted = AdmittedSlot | { ok: false; problem: Problem } | { ok: false; deadline: true };

/** A slot held: `release` it exactly once when the execution ends. */
export interface AdmittedSlot {
  ok: true;
  release(): void;
}

interface Waiter {
  admit(): void;
  timer: NodeJS.Timeout;
}

interface VersionSlots {
  ref: string;
  inFlight: number;
  queue: Waiter[];
}

export const DEFAULT_LIMITS: AdmissionLimits = { maxInFlight: 64, maxQueue: 256, queueTimeoutMs: 1000 };

/**
 * Bounds backend executions per version: at most `maxInFlight` run at once, at most `maxQueue`
 * wait (FIFO) for a slot, and none waits longer than `queueTimeoutMs`. Beyond the queue a request
 * is refused at once with 429; a queue timeout is 503; both carry Retry-After. Only executions
 * pass through here: cache hits and requests coalesced onto another's execution never do.
 */
export class Admission {
  readonly #slots = new Map<string, VersionSlots>();

  private readonly defaults: AdmissionLimits;

  constructor(
    defaults: Partial<AdmissionLimits> = {},
    private readonly stats?: BackendStats,
  ) {
    this.defaults = { ...DEFAULT_LIMITS, ...defaults };
    stats?.setSources({ admission: () => this.gauges() });
  }

  /** The limits that apply to `options` now (they change live through versions.update). */
  limitsFor(options: ServingOptions): AdmissionLimits {
    return {
      maxInFlight: options.maxInFlight ?? this.defaults.maxInFlight,
      maxQueue: options.maxQueue ?? this.defaults.maxQueue,
      queueTimeoutMs: options.queueTimeoutMs ?? this.defaults.queueTimeoutMs,
    };
  }

  /** A slot for `version` when one is free and nobody queues for it (no promise: the hot path); else null. */
  tryEnter(version: VersionConfig, signal: AbortLike): AdmittedSlot | null {
    if (signal.aborted) return null;
    const slots = this.#slotsOf(version);
    const maxInFlight = version.servingOptions.maxInFlight ?? this.defaults.maxInFlight;
    if (slots.queue.length > 0 || slots.inFlight >= maxInFlight) return null;
    slots.inFlight += 1;
    return this.#admitted(version.id, slots);
  }

  /** Takes an execution slot for `version`, waiting in its queue if allowed; `signal` is the deadline. */
  enter(version: VersionConfig, signal: AbortLike): Promise<Admitted> {
    if (signal.aborted) return Promise.resolve({ ok: false, deadline: true });
    const limits = this.limitsFor(version.servingOptions);
    const slots = this.#slotsOf(version);
    if (slots.inFlight < limits.maxInFlight && slots.queue.length === 0) {
      slots.inFlight += 1;
      return Promise.resolve(this.#admitted(version.id, slots));
    }
    if (slots.queue.length >= limits.maxQueue) {
      this.stats?.recordShed({ reason: 'queue-full', version: version.ref });
      this.#forget(version.id, slots);
      return Promise.resolve({
        ok: false,
        problem: {
          code: 'TOO_MANY_REQUESTS',
          message: `${version.ref} is at capacity (${slots.inFlight} running, ${slots.queue.length} queued)`,
          retryAfterSeconds: 1,
        },
      });
    }
    return new Promise<Admitted>((resolve) => {
      const leave = () => {
        clearTimeout(waiter.timer);
        signal.removeEventListener('abort', onAbort);
        const index = slots.queue.indexOf(waiter);
        if (index >= 0) slots.queue.splice(index, 1);
        this.#forget(version.id, slots);
      };
      const onAbort = () => {
        leave();
        resolve({ ok: false, deadline: true });
      };
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          signal.removeEventListener('abort', onAbort);
          resolve(this.#admitted(version.id, slots));
        },
        timer: setTimeout(() => {
          leave();
          this.stats?.recordShed({ reason: 'queue-timeout', version: version.ref });
          resolve({
            ok: false,
            problem: {
              code: 'UNAVAILABLE',
              message: `${version.ref} had no free capacity within ${limits.queueTimeoutMs} ms`,
              retryAfterSeconds: 1,
            },
          });
        }, limits.queueTimeoutMs),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      slots.queue.push(waiter);
    });
  }

  /** In-flight and queued executions per version with any. */
  gauges(): AdmissionGauge[] {
    return [...this.#slots.values()].map((s) => ({
      version: s.ref,
      inFlight: s.inFlight,
      queued: s.queue.length,
    }));
  }

  #slotsOf(version: VersionConfig): VersionSlots {
    let slots = this.#slots.get(version.id);
    if (!slots) {
      slots = { ref: version.ref, inFlight: 0, queue: [] };
      this.#slots.set(version.id, slots);
    }
    return slots;
  }

  #admitted(id: string, slots: VersionSlots): AdmittedSlot {
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const next = slots.queue.shift();
        // The slot passes straight to the next waiter, so a burst cannot overtake the queue.
        if (next) next.admit();
        else {
          slots.inFlight -= 1;
          this.#forget(id, slots);
        }
      },
    };
  }

  /** Drops idle per-version state, so versions that come and go leave nothing behind. */
  #forget(id: string, slots: VersionSlots): void {
    if (slots.inFlight === 0 && slots.queue.length === 0 && this.#slots.get(id) === slots)
      this.#slots.delete(id);
  }
}
