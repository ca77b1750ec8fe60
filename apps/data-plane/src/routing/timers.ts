/** `ms` scaled by a random factor in [1 - spread, 1 + spread], so a fleet does not poll in lockstep. */
export function jittered(ms: number, spread = 0.2): number {
  return Math.round(ms * (1 - spread + Math.random() * 2 * spread));
}

/** Error for an operation that did not finish in time. */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Rejects with a TimeoutError if `promise` has not settled after `ms`; the timer never holds the process. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A repeating task: each run starts a jittered interval after the previous one finished. */
export interface Loop {
  stop(): void;
}

/** Runs `task` every `intervalMs` (±20 %), never two at once; the timer does not hold the process open. */
export function startLoop(task: () => Promise<void>, intervalMs: number, spread = 0.2): Loop {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        task()
          .catch(() => {})
          .finally(schedule);
      },
      jittered(intervalMs, spread),
    );
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
